package io.cachet.client;

import io.cachet.transfer.TransferProtocol;
import io.netty.buffer.ByteBuf;

import static java.util.Objects.requireNonNull;

/** What a worker reports about a file or directory in the under-file-system. */
public record FileStatus(String path, long length, boolean directory, long modificationTime) {
    public FileStatus {
        requireNonNull(path, "path is null");
    }

    static FileStatus from(io.cachet.rpc.proto.FileStatus status) {
        return new FileStatus(status.getPath(), status.getLength(), status.getDirectory(), status.getModificationTimeMillis());
    }

    /** From the payload of a FILE_STATUS frame ({@link TransferProtocol#fileStatus}); a short payload throws {@code IndexOutOfBoundsException}. */
    static FileStatus read(ByteBuf payload) {
        return new FileStatus(TransferProtocol.readString(payload), payload.readLong(), payload.readBoolean(), payload.readLong());
    }
}
