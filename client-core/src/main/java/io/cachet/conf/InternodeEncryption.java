package io.cachet.conf;

/** Which server-to-server connections are encrypted (DESIGN §3, internode modes). */
public enum InternodeEncryption {
    NONE,
    ALL,
    DC,
    RACK,
    TRANSITIONAL,
}
