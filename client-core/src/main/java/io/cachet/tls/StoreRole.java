package io.cachet.tls;

/** Which of the two stores a file plays, so messages can name the keys that configure it. */
enum StoreRole {
    KEY_STORE("key store", "cachet.network.tls.keystore"),
    TRUST_STORE("trust store", "cachet.network.tls.truststore");

    private final String noun;
    private final String keyPrefix;

    StoreRole(String noun, String keyPrefix) {
        this.noun = noun;
        this.keyPrefix = keyPrefix;
    }

    String noun() {
        return noun;
    }

    String key(String suffix) {
        return keyPrefix + "." + suffix;
    }
}
