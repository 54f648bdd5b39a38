package io.cachet.hadoop;

import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.Syncable;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A file being written: its bytes become visible when it closes, never before, so hflush and hsync
 * cannot be honoured and say so rather than pretend.
 */
final class CachetFSOutputStream extends FilterOutputStream implements Syncable, StreamCapabilities {
    private final String path;

    CachetFSOutputStream(OutputStream out, String path) {
        super(out);
        this.path = path;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
    }

    @Override
    public void hflush() {
        throw new UnsupportedOperationException("hflush is not supported by cachet://: " + path + " becomes visible, whole, when the stream is closed");
    }

    @Override
    public void hsync() {
        throw new UnsupportedOperationException("hsync is not supported by cachet://: " + path + " becomes visible, whole, when the stream is closed");
    }

    @Override
    public boolean hasCapability(String capability) {
        return false;
    }
}
