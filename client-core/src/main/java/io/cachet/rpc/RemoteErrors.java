package io.cachet.rpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.util.Optional;

/** Carries an {@link ErrorCode} through gRPC as a trailer, and turns it back into the Java exception. */
public final class RemoteErrors {
    private static final Metadata.Key<String> ERROR_CODE = Metadata.Key.of("cachet-error", Metadata.ASCII_STRING_MARSHALLER);

    private RemoteErrors() {}

    /** The status a service returns for a file-system error, with the message the client should read. */
    public static StatusRuntimeException toStatus(IOException exception, String message) {
        ErrorCode code = ErrorCode.of(exception);
        Metadata trailers = new Metadata();
        trailers.put(ERROR_CODE, code.name());
        Status status = switch (code) {
            case FILE_NOT_FOUND -> Status.NOT_FOUND;
            case FILE_ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case PATH_REFUSED -> Status.PERMISSION_DENIED;
            case PARENT_NOT_DIRECTORY, IS_DIRECTORY, DIRECTORY_NOT_EMPTY -> Status.FAILED_PRECONDITION;
            case IO_ERROR, PROTOCOL -> Status.INTERNAL;
        };
        return status.withDescription(message).asRuntimeException(trailers);
    }

    /** The file-system error a failed call carried, if it carried one (a transport failure does not). */
    public static Optional<IOException> fromStatus(StatusRuntimeException exception) {
        Metadata trailers = exception.getTrailers();
        String code = trailers == null ? null : trailers.get(ERROR_CODE);
        if (code == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ErrorCode.valueOf(code).toException(exception.getStatus().getDescription()));
        }
        catch (IllegalArgumentException e) {
            return Optional.of(new IOException(exception.getStatus().getDescription()));
        }
    }
}
