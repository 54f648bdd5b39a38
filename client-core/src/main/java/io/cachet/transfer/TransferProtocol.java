package io.cachet.transfer;

import io.cachet.rpc.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

import java.nio.charset.StandardCharsets;

/**
 * The framed protocol for bulk page transfer. A connection starts with an 8-byte preface, "CACHET"
 * and a 16-bit framing version; its first byte (0x43) can never be mistaken for a TLS record (content types
 * 20-23) or an SSLv2 hello, so a listener can tell plaintext from TLS by the first byte. Then frames:
 * a 32-bit length (of what follows), a type byte, and the payload.
 */
public final class TransferProtocol {
    public static final byte[] MAGIC = {'C', 'A', 'C', 'H', 'E', 'T'};
    /**
     * The preface's version: the framing (length, type, payload), which every release shares. A worker closes a
     * connection of another framing version, so new frames never change it: workers announce them instead, with
     * {@link #DATA_PROTOCOL} in the membership.
     */
    public static final short FRAMING_VERSION = 1;
    /** The frames this build's workers answer, which they advertise in the membership: 1 reads and writes, 2 also STATUS. */
    public static final int DATA_PROTOCOL = 2;
    /** The first data protocol whose workers answer STATUS frames. */
    public static final int STATUS_SINCE = 2;
    public static final int PREFACE_LENGTH = MAGIC.length + 2;
    /** The first byte of every TLS handshake record. */
    public static final byte TLS_HANDSHAKE_RECORD = 0x16;
    /** Sent by a plaintext listener to a client that started a TLS handshake, so its TLS engine reports a plaintext answer. */
    public static final byte[] PLAINTEXT_ANSWER = "CACHET PLAINTEXT: this port does not speak TLS\n".getBytes(StandardCharsets.US_ASCII);
    /** Outbound buffering per connection: enough for a few pages in flight, bounded so a slow peer pushes back. */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(2 << 20, 8 << 20);
    /** The most file bytes a client puts in one WRITE_DATA frame. */
    public static final int MAX_WRITE_CHUNK = 256 << 10;
    private static final int HEADER_LENGTH = 5;
    /** Frames a worker sends: DATA frames carry up to a page (at most 16 MiB). */
    private static final int MAX_RESPONSE_FRAME = (16 << 20) + 1;
    /** Frames a client sends: a WRITE_DATA chunk, or a READ/WRITE_OPEN whose path is at most a few KiB. A longer claim is refused at once. */
    public static final int MAX_REQUEST_FRAME = MAX_WRITE_CHUNK + (16 << 10);

    private TransferProtocol() {}

    public static ByteBuf preface(ByteBufAllocator allocator) {
        ByteBuf preface = allocator.buffer(PREFACE_LENGTH);
        preface.writeBytes(MAGIC);
        preface.writeShort(FRAMING_VERSION);
        return preface;
    }

    /** Whether {@code buffer} (at its reader index) starts with a valid preface; needs {@link #PREFACE_LENGTH} readable bytes. */
    public static boolean isPreface(ByteBuf buffer) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (buffer.getByte(buffer.readerIndex() + i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Splits a worker's answers into frames; each decoded frame starts with its type byte. */
    public static LengthFieldBasedFrameDecoder responseDecoder() {
        return frameDecoder(MAX_RESPONSE_FRAME);
    }

    /**
     * Splits a client's requests into frames. A frame that claims more than {@link #MAX_REQUEST_FRAME}
     * fails as soon as its length is read ({@code TooLongFrameException}), before anything is buffered.
     */
    public static LengthFieldBasedFrameDecoder requestDecoder() {
        return frameDecoder(MAX_REQUEST_FRAME);
    }

    private static LengthFieldBasedFrameDecoder frameDecoder(int maxFrameLength) {
        LengthFieldBasedFrameDecoder decoder = new LengthFieldBasedFrameDecoder(maxFrameLength, 0, 4, 0, 4, true);
        // Frames of up to a page arrive in many socket reads: compose them instead of copying into one buffer.
        decoder.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
        return decoder;
    }

    /** A frame header for a payload of {@code payloadLength} bytes that the caller writes next. */
    public static ByteBuf header(ByteBufAllocator allocator, FrameType type, int payloadLength) {
        ByteBuf header = allocator.buffer(HEADER_LENGTH);
        header.writeInt(payloadLength + 1);
        header.writeByte(type.wireValue());
        return header;
    }

    /** A whole frame; takes ownership of {@code payload} and does not copy it. */
    public static ByteBuf frame(ByteBufAllocator allocator, FrameType type, ByteBuf payload) {
        return allocator.compositeBuffer(2).addComponents(true, header(allocator, type, payload.readableBytes()), payload);
    }

    public static ByteBuf empty(ByteBufAllocator allocator, FrameType type) {
        return header(allocator, type, 0);
    }

    public static ByteBuf read(ByteBufAllocator allocator, String path, long offset, long length) {
        ByteBuf payload = allocator.buffer();
        writeString(payload, path);
        payload.writeLong(offset);
        payload.writeLong(length);
        return frame(allocator, FrameType.READ, payload);
    }

    public static ByteBuf status(ByteBufAllocator allocator, String path) {
        ByteBuf payload = allocator.buffer();
        writeString(payload, path);
        return frame(allocator, FrameType.STATUS, payload);
    }

    public static ByteBuf fileStatus(ByteBufAllocator allocator, String path, long length, boolean directory, long modificationTimeMillis) {
        ByteBuf payload = allocator.buffer();
        writeString(payload, path);
        payload.writeLong(length);
        payload.writeBoolean(directory);
        payload.writeLong(modificationTimeMillis);
        return frame(allocator, FrameType.FILE_STATUS, payload);
    }

    public static ByteBuf writeOpen(ByteBufAllocator allocator, String path, boolean overwrite, boolean createParents) {
        ByteBuf payload = allocator.buffer();
        writeString(payload, path);
        payload.writeBoolean(overwrite);
        payload.writeBoolean(createParents);
        return frame(allocator, FrameType.WRITE_OPEN, payload);
    }

    public static ByteBuf error(ByteBufAllocator allocator, ErrorCode code, String message) {
        ByteBuf payload = allocator.buffer();
        payload.writeByte(code.wireValue());
        writeString(payload, message);
        return frame(allocator, FrameType.ERROR, payload);
    }

    public static void writeString(ByteBuf buffer, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        buffer.writeInt(bytes.length);
        buffer.writeBytes(bytes);
    }

    public static String readString(ByteBuf buffer) {
        int length = buffer.readInt();
        if (length < 0 || length > buffer.readableBytes()) {
            throw new IllegalArgumentException("String of " + length + " bytes in a frame of " + buffer.readableBytes());
        }
        return buffer.readCharSequence(length, StandardCharsets.UTF_8).toString();
    }
}
