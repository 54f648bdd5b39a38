package io.cachet.worker;

import io.cachet.conf.FileTransferMode;
import io.cachet.rpc.ErrorCode;
import io.cachet.transfer.FrameType;
import io.cachet.transfer.TransferProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data protocol as a worker speaks it on one connection, edge cases included, through the same
 * frame decoder the data server puts in front of the handler, on a real under-file-system folder and
 * page cache, without a socket.
 */
class DataRequestHandlerTest {
    private static final int PAGE_SIZE = 4096;
    private static final ByteBufAllocator ALLOCATOR = ByteBufAllocator.DEFAULT;

    @TempDir
    Path directory;

    private Path root;
    private UfsRoot ufs;
    private PageCache cache;
    private WorkerCounters counters;
    private InFlightRequests inFlight;
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @BeforeEach
    void worker() throws IOException {
        root = Files.createDirectories(directory.resolve("ufs"));
        ufs = UfsRoot.of(root.toString(), "worker-under-test");
        cache = new PageCache(directory.resolve("pages"), 64L * PAGE_SIZE, PAGE_SIZE);
        counters = new WorkerCounters();
        inFlight = new InFlightRequests();
    }

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        ufs.close();
    }

    @ParameterizedTest
    @EnumSource(value = FileTransferMode.class, names = {"TRANSFER", "MAPPED"})
    void aRangeIsServedAsPageSizedDataFramesThenEndFirstFromTheUfsThenFromTheCache(FileTransferMode transfer) throws IOException {
        byte[] content = write("/data/file", 10_000);
        EmbeddedChannel channel = connection(transfer);

        for (String pass : List.of("cold", "cached")) {
            List<Frame> answer = send(channel, TransferProtocol.read(ALLOCATOR, "/data/file", 1000, 8000));

            assertThat(answer).as(pass).extracting(Frame::type)
                    .containsExactly(FrameType.DATA, FrameType.DATA, FrameType.DATA, FrameType.END);
            assertThat(answer).as("%s: up to the page boundary, a page, the rest", pass).extracting(frame -> frame.payload().length)
                    .containsExactly(PAGE_SIZE - 1000, PAGE_SIZE, 8000 - (PAGE_SIZE - 1000) - PAGE_SIZE, 0);
            assertThat(data(answer)).as(pass).isEqualTo(Arrays.copyOfRange(content, 1000, 9000));
        }
        assertThat(counters.ufsPagesRead.sum()).as("the second pass came from the cache").isEqualTo(3);
        assertThat(counters.bytesRead.sum()).isEqualTo(16_000);
        assertThat(inFlight.running()).isZero();
        assertThat(channel.isOpen()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = FileTransferMode.class, names = {"TRANSFER", "MAPPED"})
    void aCachedPageFileLeftEmptyByACrashIsReadAgainFromTheUfs(FileTransferMode transfer) throws IOException {
        byte[] content = write("/data/file", 10_000);
        EmbeddedChannel channel = connection(transfer);
        assertThat(data(send(channel, TransferProtocol.read(ALLOCATOR, "/data/file", 0, 10_000)))).isEqualTo(content);
        assertThat(counters.ufsPagesRead.sum()).isEqualTo(3);

        // Renamed into place, but its bytes never reached the disk.
        List<Path> pageFiles;
        try (Stream<Path> files = Files.walk(directory.resolve("pages"))) {
            pageFiles = files.filter(Files::isRegularFile).toList();
        }
        assertThat(pageFiles).hasSize(3);
        for (Path page : pageFiles) {
            Files.write(page, new byte[0]);
        }

        for (String pass : List.of("damaged", "stored anew")) {
            List<Frame> answer = send(channel, TransferProtocol.read(ALLOCATOR, "/data/file", 0, 10_000));
            assertThat(answer).as(pass).extracting(Frame::type).doesNotContain(FrameType.ERROR);
            assertThat(data(answer)).as(pass).isEqualTo(content);
        }
        assertThat(counters.ufsPagesRead.sum()).as("read again once").isEqualTo(6);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aSmallReadOfCachedPagesIsAnsweredOnTheEventLoopWithoutTheBlockingExecutor() throws IOException {
        byte[] content = write("/file", 10_000);
        assertThat(data(send(connection(FileTransferMode.MAPPED), TransferProtocol.read(ALLOCATOR, "/file", 0, 10_000)))).isEqualTo(content);

        EventExecutorGroup stopped = new DefaultEventExecutorGroup(1);
        stopped.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED, stopped);
        List<Frame> answer = send(channel, TransferProtocol.read(ALLOCATOR, "/file", 1000, 5000));

        assertThat(answer).as("two pages' worth and the end, with no executor to hand off to").extracting(Frame::type)
                .containsExactly(FrameType.DATA, FrameType.DATA, FrameType.END);
        assertThat(data(answer)).isEqualTo(Arrays.copyOfRange(content, 1000, 6000));
        assertThat(counters.ufsPagesRead.sum()).isEqualTo(3);
        assertThat(inFlight.running()).isZero();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aCachedSmallReadDuringAWriteIsStillAProtocolError() throws IOException {
        byte[] old = write("/file", 100);
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);
        assertThat(data(send(channel, TransferProtocol.read(ALLOCATOR, "/file", 0, 100)))).isEqualTo(old);
        send(channel, TransferProtocol.writeOpen(ALLOCATOR, "/file", true, false));

        assertProtocolErrorCloses(channel, send(channel, TransferProtocol.read(ALLOCATOR, "/file", 0, 100)), "a request is already in progress on this connection");

        assertThat(Files.readAllBytes(root.resolve("file"))).isEqualTo(old);
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void aStatusIsAnsweredOnTheEventLoopWithTheFilesLengthKindAndTime() throws IOException {
        write("/data/file", 10_000);
        Files.setLastModifiedTime(root.resolve("data/file"), FileTime.fromMillis(1_700_000_000_123L));
        EventExecutorGroup stopped = new DefaultEventExecutorGroup(1);
        stopped.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED, stopped);

        List<Frame> file = send(channel, TransferProtocol.status(ALLOCATOR, "/data/file"));
        assertThat(file).as("answered with no executor to hand off to").extracting(Frame::type).containsExactly(FrameType.FILE_STATUS);
        ByteBuf payload = Unpooled.wrappedBuffer(file.get(0).payload());
        assertThat(TransferProtocol.readString(payload)).isEqualTo("/data/file");
        assertThat(payload.readLong()).isEqualTo(10_000);
        assertThat(payload.readBoolean()).as("directory").isFalse();
        assertThat(payload.readLong()).isEqualTo(1_700_000_000_123L);
        assertThat(payload.isReadable()).isFalse();

        ByteBuf directoryPayload = Unpooled.wrappedBuffer(send(channel, TransferProtocol.status(ALLOCATOR, "/data")).get(0).payload());
        assertThat(TransferProtocol.readString(directoryPayload)).isEqualTo("/data");
        assertThat(directoryPayload.readLong()).isZero();
        assertThat(directoryPayload.readBoolean()).as("directory").isTrue();

        assertThat(inFlight.running()).isZero();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void statusErrorsAreAnsweredAndTheConnectionStaysUsable() throws IOException {
        write("/file", 100);
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);

        assertError(send(channel, TransferProtocol.status(ALLOCATOR, "/missing")), ErrorCode.FILE_NOT_FOUND, "/missing does not exist");
        assertError(send(channel, TransferProtocol.status(ALLOCATOR, "/../etc/passwd")), ErrorCode.PATH_REFUSED, "'..' segments are not allowed");
        assertError(send(channel, TransferProtocol.status(ALLOCATOR, "/file/under")), ErrorCode.FILE_NOT_FOUND, "/file/under does not exist");

        assertThat(channel.isOpen()).isTrue();
        assertThat(send(channel, TransferProtocol.status(ALLOCATOR, "/file"))).extracting(Frame::type).containsExactly(FrameType.FILE_STATUS);
    }

    @Test
    void aLinkThatLeadsBackToTheRootIsTheRootDirectory() throws IOException {
        Files.createDirectories(root.resolve("data"));
        Files.createSymbolicLink(root.resolve("here"), Path.of("."));
        Files.createSymbolicLink(root.resolve("data/up"), Path.of(".."));
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);

        for (String path : List.of("/here", "/data/up")) {
            List<Frame> answer = send(channel, TransferProtocol.status(ALLOCATOR, path));
            assertThat(answer).as(path).extracting(Frame::type).containsExactly(FrameType.FILE_STATUS);
            ByteBuf payload = Unpooled.wrappedBuffer(answer.get(0).payload());
            assertThat(TransferProtocol.readString(payload)).isEqualTo(path);
            payload.readLong();
            assertThat(payload.readBoolean()).as("%s is a directory", path).isTrue();
        }
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aStatusDuringAWriteIsAProtocolErrorAndAbandonsTheWrite() throws IOException {
        byte[] old = write("/file", 100);
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);
        send(channel, TransferProtocol.writeOpen(ALLOCATOR, "/file", true, false));
        send(channel, writeData("half of a new file"));

        assertProtocolErrorCloses(channel, send(channel, TransferProtocol.status(ALLOCATOR, "/file")), "a request is already in progress on this connection");

        assertThat(Files.readAllBytes(root.resolve("file"))).isEqualTo(old);
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void aReadPastTheEndStopsAtTheEndAndOneBeyondItIsJustEnd() throws IOException {
        byte[] content = write("/file", 10_000);
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);

        List<Frame> tail = send(channel, TransferProtocol.read(ALLOCATOR, "/file", 9000, 5000));
        assertThat(data(tail)).isEqualTo(Arrays.copyOfRange(content, 9000, 10_000));
        assertThat(tail.get(tail.size() - 1).type()).isEqualTo(FrameType.END);

        assertThat(send(channel, TransferProtocol.read(ALLOCATOR, "/file", 20_000, 10))).extracting(Frame::type).containsExactly(FrameType.END);
        assertThat(send(channel, TransferProtocol.read(ALLOCATOR, "/file", 0, 0))).extracting(Frame::type).containsExactly(FrameType.END);
    }

    @Test
    void fileErrorsAreAnsweredAndTheConnectionStaysUsable() throws IOException {
        byte[] content = write("/file", 100);
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);

        assertError(send(channel, TransferProtocol.read(ALLOCATOR, "/missing", 0, 10)), ErrorCode.FILE_NOT_FOUND, "File /missing does not exist");
        assertError(send(channel, TransferProtocol.read(ALLOCATOR, "/file", -1, 10)), ErrorCode.IO_ERROR, "Negative offset or length (-1, 10) for /file");
        assertError(send(channel, TransferProtocol.read(ALLOCATOR, "/../etc/passwd", 0, 10)), ErrorCode.PATH_REFUSED, "'..' segments are not allowed");
        assertError(send(channel, TransferProtocol.writeOpen(ALLOCATOR, "/file", false, false)), ErrorCode.FILE_ALREADY_EXISTS, "/file");

        assertThat(channel.isOpen()).isTrue();
        assertThat(data(send(channel, TransferProtocol.read(ALLOCATOR, "/file", 0, 100)))).isEqualTo(content);
        assertThat(Files.readAllBytes(root.resolve("file"))).as("the refused write changed nothing").isEqualTo(content);
    }

    @Test
    void aWriteReplacesTheFileOnlyWhenItIsClosed() throws IOException {
        write("/file", 100);
        byte[] old = Files.readAllBytes(root.resolve("file"));
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);

        assertThat(send(channel, TransferProtocol.writeOpen(ALLOCATOR, "/file", true, false))).extracting(Frame::type).containsExactly(FrameType.OK);
        assertThat(send(channel, writeData("new "))).as("WRITE_DATA is not answered").isEmpty();
        assertThat(send(channel, writeData("content"))).isEmpty();
        assertThat(inFlight.running()).as("an open write is a request in flight").isOne();
        assertThat(Files.readAllBytes(root.resolve("file"))).as("before WRITE_CLOSE").isEqualTo(old);

        assertThat(send(channel, TransferProtocol.empty(ALLOCATOR, FrameType.WRITE_CLOSE))).extracting(Frame::type).containsExactly(FrameType.OK);

        assertThat(Files.readString(root.resolve("file"))).isEqualTo("new content");
        assertThat(inFlight.running()).isZero();
        assertThat(counters.bytesWritten.sum()).isEqualTo(11);
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void aConnectionThatEndsMidWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        byte[] old = write("/file", 100);
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);
        send(channel, TransferProtocol.writeOpen(ALLOCATOR, "/file", true, false));
        send(channel, writeData("half of a new file"));

        channel.close().syncUninterruptibly();

        assertThat(Files.readAllBytes(root.resolve("file"))).isEqualTo(old);
        assertThat(temporaryFiles()).isEmpty();
        assertThat(inFlight.running()).isZero();
    }

    @Test
    void aSecondRequestDuringAWriteClosesTheConnectionAndAbandonsTheWrite() throws IOException {
        byte[] old = write("/file", 100);
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);
        send(channel, TransferProtocol.writeOpen(ALLOCATOR, "/file", true, false));
        send(channel, writeData("abandoned"));

        assertProtocolErrorCloses(channel, send(channel, TransferProtocol.read(ALLOCATOR, "/file", 0, 10)), "a request is already in progress on this connection");

        assertThat(Files.readAllBytes(root.resolve("file"))).isEqualTo(old);
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void writeFramesOutOfOrderAreProtocolErrors() {
        EmbeddedChannel withoutOpen = connection(FileTransferMode.MAPPED);
        assertProtocolErrorCloses(withoutOpen, send(withoutOpen, writeData("stray")), "WRITE_DATA without WRITE_OPEN");

        EmbeddedChannel closeWithoutOpen = connection(FileTransferMode.MAPPED);
        assertProtocolErrorCloses(closeWithoutOpen, send(closeWithoutOpen, TransferProtocol.empty(ALLOCATOR, FrameType.WRITE_CLOSE)), "WRITE_CLOSE without WRITE_OPEN");
    }

    @Test
    void framesAWorkerSendsAndUnknownFramesAreProtocolErrors() {
        EmbeddedChannel serverFrame = connection(FileTransferMode.MAPPED);
        assertProtocolErrorCloses(serverFrame, send(serverFrame, TransferProtocol.empty(ALLOCATOR, FrameType.DATA)), "a client does not send DATA frames");

        EmbeddedChannel unknown = connection(FileTransferMode.MAPPED);
        ByteBuf frame = ALLOCATOR.buffer().writeInt(1).writeByte(99);
        assertProtocolErrorCloses(unknown, send(unknown, frame), "malformed frame: Unknown frame type 99");
    }

    @Test
    void aTruncatedRequestIsAProtocolError() {
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);
        // A READ whose path claims 1000 bytes in a 9-byte payload.
        ByteBuf frame = ALLOCATOR.buffer().writeInt(10).writeByte(FrameType.READ.wireValue()).writeInt(1000).writeBytes(new byte[5]);

        assertProtocolErrorCloses(channel, send(channel, frame), "malformed frame: String of 1000 bytes in a frame of 5");
    }

    @Test
    void aFrameLongerThanTheLimitIsRefusedFromItsHeaderAlone() {
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);
        ByteBuf header = ALLOCATOR.buffer().writeInt(TransferProtocol.MAX_REQUEST_FRAME + 1).writeByte(FrameType.WRITE_DATA.wireValue());

        assertProtocolErrorCloses(channel, send(channel, header), "a frame larger than " + TransferProtocol.MAX_REQUEST_FRAME + " bytes");
    }

    @Test
    void aDrainingWorkerClosesNewRequestsUnansweredSoTheClientRetriesElsewhere() throws IOException {
        write("/file", 100);
        EmbeddedChannel channel = connection(FileTransferMode.MAPPED);
        assertThat(inFlight.drain(Duration.ZERO)).isTrue();

        assertThat(send(channel, TransferProtocol.read(ALLOCATOR, "/file", 0, 100))).isEmpty();
        assertThat(channel.isOpen()).isFalse();

        EmbeddedChannel status = connection(FileTransferMode.MAPPED);
        assertThat(send(status, TransferProtocol.status(ALLOCATOR, "/file"))).isEmpty();
        assertThat(status.isOpen()).isFalse();

        EmbeddedChannel writer = connection(FileTransferMode.MAPPED);
        assertThat(send(writer, TransferProtocol.writeOpen(ALLOCATOR, "/new", false, false))).isEmpty();
        assertThat(writer.isOpen()).isFalse();
        assertThat(root.resolve("new")).doesNotExist();
    }

    private record Frame(FrameType type, byte[] payload) {}

    private EmbeddedChannel connection(FileTransferMode transfer) {
        return connection(transfer, null);
    }

    /** A connection whose blocking work goes to {@code blocking}, or to the channel's own loop when null. */
    private EmbeddedChannel connection(FileTransferMode transfer, EventExecutorGroup blocking) {
        // No membership is ever given, so no previous owner is asked for a page: a worker on its own. Pages are cached
        // before they are served (a store limit of 0), so what a read leaves in the cache is there when its answer is.
        PeerPages alone = new PeerPages("worker-under-test", null, 1, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), System::nanoTime,
                System::currentTimeMillis, counters);
        PageStore beforeServing = new PageStore(cache, 0, counters);
        // The channel's own loop stands in for the blocking group: what is handed off runs when the test runs pending tasks.
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(TransferProtocol.requestDecoder(),
                new DataRequestHandler(ufs, cache, new PageFiller(cache, beforeServing, alone, counters), transfer, counters, inFlight,
                blocking == null ? channel.eventLoop() : blocking));
        channels.add(channel);
        return channel;
    }

    /** Sends one request and returns the frames written back for it. */
    private static List<Frame> send(EmbeddedChannel channel, ByteBuf request) {
        channel.writeInbound(request);
        channel.runPendingTasks();
        ByteBuf answers = Unpooled.buffer();
        try {
            for (Object message = channel.readOutbound(); message != null; message = channel.readOutbound()) {
                answers.writeBytes(bytesOf(message));
            }
            List<Frame> frames = new ArrayList<>();
            while (answers.isReadable()) {
                int length = answers.readInt();
                FrameType type = FrameType.fromWire(answers.readByte());
                byte[] payload = new byte[length - 1];
                answers.readBytes(payload);
                frames.add(new Frame(type, payload));
            }
            return frames;
        }
        finally {
            answers.release();
        }
    }

    private static byte[] bytesOf(Object message) {
        try {
            if (message instanceof FileRegion region) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                WritableByteChannel target = Channels.newChannel(out);
                while (region.transferred() < region.count()) {
                    region.transferTo(target, region.transferred());
                }
                return out.toByteArray();
            }
            ByteBuf buffer = (ByteBuf) message;
            byte[] bytes = new byte[buffer.readableBytes()];
            buffer.readBytes(bytes);
            return bytes;
        }
        catch (IOException e) {
            throw new AssertionError("cannot read a zero-copy region", e);
        }
        finally {
            ReferenceCountUtil.release(message);
        }
    }

    private static byte[] data(List<Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frames.stream().filter(frame -> frame.type() == FrameType.DATA).forEach(frame -> out.writeBytes(frame.payload()));
        return out.toByteArray();
    }

    private static void assertError(List<Frame> answer, ErrorCode code, String messagePart) {
        assertThat(answer).extracting(Frame::type).containsExactly(FrameType.ERROR);
        ByteBuf payload = Unpooled.wrappedBuffer(answer.get(0).payload());
        assertThat(ErrorCode.fromWire(payload.readByte())).isEqualTo(code);
        assertThat(TransferProtocol.readString(payload)).contains(messagePart).doesNotContain(System.getProperty("java.io.tmpdir"));
    }

    private static void assertProtocolErrorCloses(EmbeddedChannel channel, List<Frame> answer, String messagePart) {
        assertError(answer, ErrorCode.PROTOCOL, messagePart);
        assertThat(channel.isOpen()).as("closed after a protocol error").isFalse();
    }

    private static ByteBuf writeData(String text) {
        return TransferProtocol.frame(ALLOCATOR, FrameType.WRITE_DATA, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    private byte[] write(String path, int length) throws IOException {
        byte[] content = new byte[length];
        new Random(length).nextBytes(content);
        Path file = root.resolve(path.substring(1));
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        return content;
    }

    private List<Path> temporaryFiles() throws IOException {
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(file -> root.relativize(file).toString().startsWith(ClientPath.TEMPORARY_PREFIX)).toList();
        }
    }
}
