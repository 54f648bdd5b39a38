package io.cachet.hadoop;

import io.cachet.rpc.ErrorCode;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.NotDirectoryException;

/** The client's exceptions as Hadoop's own, so FsShell and engines recognise them. */
final class HadoopExceptions {
    private HadoopExceptions() {}

    static IOException translate(IOException error) {
        String message = error.getMessage();
        if (error instanceof java.nio.file.FileAlreadyExistsException) {
            return withCause(new FileAlreadyExistsException(message), error);
        }
        if (error instanceof NotDirectoryException) {
            return withCause(new ParentNotDirectoryException(message), error);
        }
        if (error instanceof DirectoryNotEmptyException) {
            return withCause(new PathIsNotEmptyDirectoryException(message), error);
        }
        return error;
    }

    /** Writing where a directory is: Hadoop reports that as a file (or directory) already existing. */
    static IOException translateCreate(IOException error) {
        if (error instanceof ErrorCode.IsDirectoryException) {
            return withCause(new FileAlreadyExistsException(error.getMessage()), error);
        }
        return translate(error);
    }

    /** Opening a directory: Hadoop reports it as no such file. */
    static IOException translateOpen(IOException error) {
        if (error instanceof ErrorCode.IsDirectoryException) {
            return withCause(new FileNotFoundException(error.getMessage()), error);
        }
        return translate(error);
    }

    private static IOException withCause(IOException translated, IOException cause) {
        translated.initCause(cause);
        return translated;
    }
}
