package io.cachet.rpc;

import io.grpc.StatusRuntimeException;

/** What people need from a failed gRPC call that carried no file-system error: one line, and what caused it. */
public final class TransportFailures {
    private TransportFailures() {}

    public static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The status code, its description and the root cause on one line. {@code Status.toString()} carries the
     * cause's whole stack trace: people get one line, the trace stays in the cause.
     */
    public static String oneLine(StatusRuntimeException failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return "%s%s%s".formatted(failure.getStatus().getCode(),
                failure.getStatus().getDescription() == null ? "" : " (" + failure.getStatus().getDescription() + ")",
                root == failure ? "" : ": " + root.getClass().getSimpleName() + ": " + root.getMessage());
    }
}
