package io.cachet.rpc;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * File-system errors as they cross the wire (gRPC trailer or data-plane ERROR frame), and the Java
 * exception each becomes on the client, so a caller sees what a local file system would throw.
 */
public enum ErrorCode {
    FILE_NOT_FOUND(1),
    FILE_ALREADY_EXISTS(2),
    PARENT_NOT_DIRECTORY(3),
    IS_DIRECTORY(4),
    DIRECTORY_NOT_EMPTY(5),
    /** The path is malformed or leads outside the under-file-system root. */
    PATH_REFUSED(6),
    IO_ERROR(7),
    /** The peer broke the protocol: bad preface, unknown frame. */
    PROTOCOL(8);

    private final int wireValue;

    ErrorCode(int wireValue) {
        this.wireValue = wireValue;
    }

    public int wireValue() {
        return wireValue;
    }

    public static ErrorCode fromWire(int value) {
        for (ErrorCode code : values()) {
            if (code.wireValue == value) {
                return code;
            }
        }
        return IO_ERROR;
    }

    /** The client-side exception for this error; {@code message} already names the path. */
    public IOException toException(String message) {
        return switch (this) {
            case FILE_NOT_FOUND -> new FileNotFoundException(message);
            case FILE_ALREADY_EXISTS -> new FileAlreadyExistsException(message);
            case PARENT_NOT_DIRECTORY -> new NotDirectoryException(message);
            case IS_DIRECTORY -> new IsDirectoryException(message);
            case DIRECTORY_NOT_EMPTY -> new DirectoryNotEmptyException(message);
            case PATH_REFUSED -> new AccessDeniedException(message);
            case IO_ERROR, PROTOCOL -> new IOException(message);
        };
    }

    /** The code for a server-side exception, the inverse of {@link #toException}. */
    public static ErrorCode of(IOException exception) {
        if (exception instanceof FileNotFoundException || exception instanceof NoSuchFileException) {
            return FILE_NOT_FOUND;
        }
        if (exception instanceof FileAlreadyExistsException) {
            return FILE_ALREADY_EXISTS;
        }
        if (exception instanceof NotDirectoryException) {
            return PARENT_NOT_DIRECTORY;
        }
        if (exception instanceof IsDirectoryException) {
            return IS_DIRECTORY;
        }
        if (exception instanceof DirectoryNotEmptyException) {
            return DIRECTORY_NOT_EMPTY;
        }
        if (exception instanceof AccessDeniedException) {
            return PATH_REFUSED;
        }
        return IO_ERROR;
    }

    /** A directory was given where a file is needed (open, create over a directory). */
    public static final class IsDirectoryException extends IOException {
        private static final long serialVersionUID = 1L;

        public IsDirectoryException(String message) {
            super(message);
        }
    }
}
