package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.client.FileStatus;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
import io.cachet.testing.Eventually;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsSettings;
import io.cachet.transfer.DataConnection;
import io.cachet.transfer.FrameType;
import io.cachet.transfer.TransferProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A writer that dies mid-stream leaves the previous file as it was and no temporary file behind. */
class WriteAtomicityTest {
    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintextWithCa("Write CA");

    @Test
    void writerDyingMidStreamLeavesTheOldFileIntactAndNoTemporaryFile() throws Exception {
        EventLoopGroup group = eventLoop();
        MiniCluster cluster = clusters.start(builder -> builder.workers(2).properties(clusters.tlsNodeSettings()));
        CachetClient client = clusters.client(cluster);
        byte[] original = ClusterFiles.write(client, "/atomic/data.bin", 300_000);
        WorkerAddress owner = client.owner("/atomic/data.bin");

        DataConnection dying = DataConnection.open(new Bootstrap().group(group).channel(NioSocketChannel.class), owner,
                Optional.of(TlsContexts.load(TlsSettings.from(cluster.clientConfig()))), Duration.ofSeconds(10));
        dying.send(TransferProtocol.writeOpen(ByteBufAllocator.DEFAULT, "/atomic/data.bin", true, true));
        assertAnsweredOk(dying);
        dying.send(TransferProtocol.frame(ByteBufAllocator.DEFAULT, FrameType.WRITE_DATA, Unpooled.wrappedBuffer(new byte[100_000])));
        assertThat(temporaryFiles(cluster.ufsRoot())).as("the write is under way").hasSize(1);

        dying.close();

        awaitNoTemporaryFiles(cluster.ufsRoot());
        assertThat(Files.readAllBytes(cluster.ufsRoot().resolve("atomic/data.bin"))).isEqualTo(original);
        assertThat(ClusterFiles.read(client, "/atomic/data.bin")).isEqualTo(original);
        assertThat(client.list("/atomic")).hasSize(1);
    }

    @Test
    void readersSeeTheOldFileUntilTheNewOneIsClosed() throws IOException {
        MiniCluster cluster = clusters.start(builder -> builder.workers(1));
        CachetClient client = clusters.client(cluster);
        byte[] original = ClusterFiles.write(client, "/atomic/visible.bin", 5000);
        byte[] replacement = ClusterFiles.content("/replacement", 8000);
        try (var out = client.create("/atomic/visible.bin", true, true)) {
            out.write(replacement, 0, 4000);
            out.flush();
            assertThat(ClusterFiles.read(client, "/atomic/visible.bin")).isEqualTo(original);
            out.write(replacement, 4000, 4000);
        }
        assertThat(ClusterFiles.read(client, "/atomic/visible.bin")).isEqualTo(replacement);
    }

    @Test
    void temporaryFilesOfAWriteInProgressCannotBeReadListedRenamedOrDeletedByName() throws Exception {
        EventLoopGroup group = eventLoop();
        MiniCluster cluster = clusters.start(builder -> builder.workers(1));
        CachetClient client = clusters.client(cluster);
        DataConnection writing = openWrite(group, client, "/staged/data.bin");
        try {
            List<Path> staged = temporaryFiles(cluster.ufsRoot());
            assertThat(staged).hasSize(1);
            String byName = "/" + cluster.ufsRoot().relativize(staged.get(0));
            assertThat(byName).startsWith("/.cachet-tmp-writes/");
            for (Executable call : List.<Executable>of(
                    () -> client.open(byName).close(),
                    () -> client.status(byName),
                    () -> client.list("/.cachet-tmp-writes"),
                    () -> client.rename(byName, "/stolen.bin"),
                    () -> client.delete(byName, false))) {
                assertThatThrownBy(call::execute).isInstanceOf(AccessDeniedException.class)
                        .hasMessageContaining("names starting with .cachet-tmp- belong to unfinished writes");
            }
            assertThat(client.list("/")).extracting(FileStatus::path).containsExactly("/staged");
        }
        finally {
            writing.close();
        }
    }

    @Test
    void aWorkerKilledMidWriteRemovesItsTemporaryFileWhenItStartsAgainAndOldOnesAreSweptAway() throws Exception {
        EventLoopGroup group = eventLoop();
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).separateProcesses(true)
                .property("cachet.worker.abandoned.write.age", "5s"));
        CachetClient client = clusters.client(cluster);
        byte[] original = ClusterFiles.write(client, "/killed/data.bin", 200_000);
        DataConnection writing = openWrite(group, client, "/killed/data.bin");
        Eventually.await("the write is staged", () -> temporaryFiles(cluster.ufsRoot()).size() == 1);
        cluster.workers().get(0).kill();
        writing.close();
        assertThat(temporaryFiles(cluster.ufsRoot())).as("kill -9 leaves the temporary file").hasSize(1);
        assertThat(Files.readAllBytes(cluster.ufsRoot().resolve("killed/data.bin"))).isEqualTo(original);
        // Another worker's, left by a crash long ago.
        Path otherWorkers = Files.createDirectories(cluster.ufsRoot().resolve(".cachet-tmp-writes/another-worker"));
        Path stale = Files.writeString(otherWorkers.resolve("stale"), "left by a crash long ago");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

        cluster.restartWorker(0);
        Eventually.await("the killed write's and the stale temporary files are removed at start", () -> temporaryFiles(cluster.ufsRoot()).isEmpty());
        assertThat(ClusterFiles.read(client, "/killed/data.bin")).isEqualTo(original);

        // Left while the worker runs (another worker that died): swept once older than the age.
        Path orphan = Files.writeString(otherWorkers.resolve("orphan"), "left by a worker that died");
        Eventually.await("an orphan older than cachet.worker.abandoned.write.age is swept away", () -> !Files.exists(orphan));
    }

    @Test
    void writersThatCreateTheSameMissingFolderAtOnceAllCommit() throws Exception {
        MiniCluster cluster = clusters.start(builder -> builder.workers(2));
        CachetClient first = clusters.client(cluster);
        CachetClient second = clusters.client(cluster);
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 40; round++) {
                String folder = "/together/round-" + round + "/part";
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<byte[]>> writes = List.of(
                        writers.submit(() -> {
                            start.await();
                            return ClusterFiles.write(first, folder + "/a.bin", 50_000);
                        }),
                        writers.submit(() -> {
                            start.await();
                            return ClusterFiles.write(second, folder + "/b.bin", 50_000);
                        }));
                for (Future<byte[]> write : writes) {
                    write.get(60, TimeUnit.SECONDS);
                }
                assertThat(ClusterFiles.read(first, folder + "/a.bin")).isEqualTo(ClusterFiles.content(folder + "/a.bin", 50_000));
                assertThat(ClusterFiles.read(first, folder + "/b.bin")).isEqualTo(ClusterFiles.content(folder + "/b.bin", 50_000));
            }
        }
        finally {
            writers.shutdownNow();
        }
    }

    /** A write to {@code path} that has sent some bytes and not finished. */
    /** An event loop for the raw data connections a test opens, shut down after the test. */
    private EventLoopGroup eventLoop() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        clusters.closeAfter(() -> group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS));
        return group;
    }

    private static DataConnection openWrite(EventLoopGroup group, CachetClient client, String path) throws IOException {
        DataConnection connection = DataConnection.open(new Bootstrap().group(group).channel(NioSocketChannel.class), client.owner(path),
                Optional.empty(), Duration.ofSeconds(30));
        connection.send(TransferProtocol.writeOpen(ByteBufAllocator.DEFAULT, path, true, true));
        assertAnsweredOk(connection);
        connection.send(TransferProtocol.frame(ByteBufAllocator.DEFAULT, FrameType.WRITE_DATA, Unpooled.wrappedBuffer(new byte[100_000])));
        return connection;
    }

    private static void assertAnsweredOk(DataConnection connection) throws IOException {
        DataConnection.Frame answer = connection.next(Duration.ofSeconds(30));
        try {
            assertThat(answer.type()).isEqualTo(FrameType.OK);
        }
        finally {
            answer.content().release();
        }
    }

    /** Temporary files of writes anywhere under the root (they are staged under /.cachet-tmp-writes/&lt;worker&gt;/). */
    private static List<Path> temporaryFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(file -> root.relativize(file).toString().startsWith(".cachet-tmp-")).toList();
        }
    }

    private static void awaitNoTemporaryFiles(Path directory) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!temporaryFiles(directory).isEmpty()) {
            assertThat(System.nanoTime()).as("temporary file still present: " + temporaryFiles(directory)).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
