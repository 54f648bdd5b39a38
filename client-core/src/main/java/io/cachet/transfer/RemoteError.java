package io.cachet.transfer;

import java.io.IOException;

import static java.util.Objects.requireNonNull;

/**
 * A file-system error the worker reported in an ERROR frame (not found, already exists, …). It is the
 * answer to the request, so a caller does not retry it on another worker but throws {@link #error()}.
 */
public final class RemoteError extends IOException {
    private static final long serialVersionUID = 1L;

    private final IOException error;

    RemoteError(IOException error) {
        super(error.getMessage(), error);
        this.error = requireNonNull(error, "error is null");
    }

    /** The worker's error, as the exception a local file system would throw. */
    public IOException error() {
        return error;
    }
}
