package io.cachet.conf;

/**
 * How a worker sends cached pages: {@code TRANSFER} is zero-copy sendfile, which TLS cannot use;
 * {@code MAPPED} passes memory-mapped buffers through the TLS engine; {@code AUTO} picks by TLS.
 */
public enum FileTransferMode {
    AUTO,
    TRANSFER,
    MAPPED,
}
