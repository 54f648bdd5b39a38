package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.client.CachetInputStream;
import io.cachet.client.FileStatus;
import io.cachet.conf.CachetKeys;
import io.cachet.hdfs.HdfsCluster;
import io.cachet.minicluster.MiniCluster;
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
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.GlobalStorageStatistics;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.StorageStatistics;
import org.apache.hadoop.hdfs.DFSOpsCountStatistics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Workers whose under-file-system is a real HDFS (a MiniDFSCluster that encrypts data transfer), used over TLS. */
@Tag(HdfsUnderFileSystemTest.TAG)
class HdfsUnderFileSystemTest {
    /** Tests with HDFS under the workers, which the JDK-engine run leaves out: HDFS does not use the TLS engine, and a MiniDFSCluster start costs seconds. */
    static final String TAG = "hdfs-under-workers";
    private static final int PAGE = 64 << 10;

    @TempDir
    static java.nio.file.Path hdfsDirectory;
    private static HdfsCluster hdfs;

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.tls("HDFS under-file-system CA");

    @BeforeAll
    static void startHdfs() throws IOException {
        hdfs = HdfsCluster.start(hdfsDirectory, 2, true);
    }

    @AfterAll
    static void stopHdfs() {
        if (hdfs != null) {
            hdfs.close();
        }
    }

    @Test
    void workersWriteThroughAnHdfsThatDemandsEncryptedDataTransfer() throws IOException {
        assertThat(hdfs.fileSystem().getServerDefaults(new Path("/")).getEncryptDataTransfer()).as("the NameNode asks every client to encrypt").isTrue();
        MiniCluster cluster = start("/encrypted", UnaryOperator.identity());
        byte[] written = ClusterFiles.write(clusters.client(cluster), "/through.bin", 3 * PAGE + 1);
        assertThat(hdfs.read("/encrypted/through.bin")).isEqualTo(written);
    }

    @Test
    void aFileChangedInHdfsBehindTheCacheIsReadFreshAndItsOldPagesAreNeverServed() throws Exception {
        MiniCluster cluster = start("/fresh", UnaryOperator.identity());
        CachetClient client = clusters.client(cluster);
        byte[] first = content(3 * PAGE + 10, 1);
        hdfs.write("/fresh/data.bin", first);
        assertThat(ClusterFiles.read(client, "/data.bin")).isEqualTo(first);
        ClusterFiles.awaitCachedPages(client, 4);
        long hits = cacheHits(cluster);
        assertThat(ClusterFiles.read(client, "/data.bin")).isEqualTo(first);
        assertThat(cacheHits(cluster)).as("the second read was served from cached pages").isGreaterThan(hits);

        // Same length, written straight to HDFS: only the file's version tells the two apart.
        byte[] second = content(first.length, 2);
        hdfs.write("/fresh/data.bin", second);
        assertThat(ClusterFiles.read(client, "/data.bin")).isEqualTo(second);
        try (CachetInputStream in = client.open("/data.bin")) {
            byte[] middle = new byte[PAGE];
            in.readFully(PAGE + 5, middle, 0, PAGE);
            assertThat(middle).isEqualTo(Arrays.copyOfRange(second, PAGE + 5, 2 * PAGE + 5));
        }

        // An append keeps HDFS's file id and changes the length.
        byte[] tail = content(PAGE / 2, 3);
        try (FSDataOutputStream out = hdfs.fileSystem().append(new Path("/fresh/data.bin"))) {
            out.write(tail);
        }
        byte[] appended = Arrays.copyOf(second, second.length + tail.length);
        System.arraycopy(tail, 0, appended, second.length, tail.length);
        assertThat(ClusterFiles.read(client, "/data.bin")).isEqualTo(appended);
        assertThat(client.status("/data.bin").length()).isEqualTo(appended.length);
    }

    @Test
    void aColdSequentialReadOpensTheHdfsFileOnceNotOncePerPage() throws Exception {
        MiniCluster cluster = start("/streamed", UnaryOperator.identity());
        CachetClient client = clusters.client(cluster);
        int pages = 32;
        byte[] written = content(pages * PAGE + 3, 4);
        hdfs.write("/streamed/data.bin", written);
        // Counts every HDFS client in this JVM, the in-process workers' included; the test's own client is idle meanwhile.
        StorageStatistics statistics = GlobalStorageStatistics.INSTANCE.get(DFSOpsCountStatistics.NAME);
        long opensBefore = statistics.getLong(DFSOpsCountStatistics.OpType.OPEN.getSymbol());

        assertThat(ClusterFiles.read(client, "/data.bin")).isEqualTo(written);

        long opens = statistics.getLong(DFSOpsCountStatistics.OpType.OPEN.getSymbol()) - opensBefore;
        assertThat(opens).as("HDFS opens for a cold read of %d pages in one read-ahead window", pages + 1).isEqualTo(1);
        assertThat(cluster.workerServer(0).metrics().getUfsPagesRead() + cluster.workerServer(1).metrics().getUfsPagesRead())
                .as("pages read from HDFS").isEqualTo(pages + 1);
    }

    @Test
    void aWorkerKilledMidWriteLeavesTheHdfsFileAsItWas() throws Exception {
        MiniCluster cluster = start("/killed", builder -> builder.workers(1).separateProcesses(true));
        CachetClient client = clusters.client(cluster);
        byte[] original = ClusterFiles.write(client, "/data.bin", 200_000);

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        clusters.closeAfter(() -> group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS));
        DataConnection writing = DataConnection.open(new Bootstrap().group(group).channel(NioSocketChannel.class), client.owner("/data.bin"),
                Optional.of(TlsContexts.load(TlsSettings.from(cluster.clientConfig()))), Duration.ofSeconds(30));
        clusters.closeAfter(writing::close);
        writing.send(TransferProtocol.writeOpen(ByteBufAllocator.DEFAULT, "/data.bin", true, true));
        DataConnection.Frame answer = writing.next(Duration.ofSeconds(30));
        try {
            assertThat(answer.type()).isEqualTo(FrameType.OK);
        }
        finally {
            answer.content().release();
        }
        writing.send(TransferProtocol.frame(ByteBufAllocator.DEFAULT, FrameType.WRITE_DATA, Unpooled.wrappedBuffer(new byte[100_000])));
        Eventually.await("the write is staged in HDFS", () -> stagedFiles("/killed").size() == 1);

        cluster.workers().get(0).kill();
        writing.close();
        assertThat(hdfs.read("/killed/data.bin")).as("the file as it was before the write").isEqualTo(original);
        assertThat(stagedFiles("/killed")).as("kill -9 leaves the temporary file").hasSize(1);

        cluster.restartWorker(0);
        Eventually.await("the killed write's temporary file is removed when the worker starts again", () -> stagedFiles("/killed").isEmpty());
        assertThat(ClusterFiles.read(client, "/data.bin")).isEqualTo(original);
        assertThat(hdfs.read("/killed/data.bin")).isEqualTo(original);
    }

    @Test
    void pathsNeverLeaveTheRootAndUriSyntaxInANameIsJustAName() throws Exception {
        hdfs.write("/outside/secret.txt", "not for clients".getBytes(StandardCharsets.UTF_8));
        MiniCluster cluster = start("/confined", UnaryOperator.identity());
        CachetClient client = clusters.client(cluster);
        for (String escape : List.of("/../outside/secret.txt", "/a/../../outside/secret.txt", "/./../outside")) {
            assertThatThrownBy(() -> client.status(escape)).isInstanceOf(AccessDeniedException.class).hasMessageContaining("segments are not allowed");
            assertThatThrownBy(() -> ClusterFiles.read(client, escape)).isInstanceOf(AccessDeniedException.class);
            assertThatThrownBy(() -> ClusterFiles.write(client, escape, 10)).isInstanceOf(AccessDeniedException.class);
        }
        List<String> names = List.of("a%2F..%2F..%2Foutside%2Fsecret.txt", "q?x=1#fragment", "hdfs%3A%2F%2Fother%2Fx", "%2e%2e");
        for (String name : names) {
            byte[] written = ClusterFiles.write(client, "/" + name, 100);
            assertThat(ClusterFiles.read(client, "/" + name)).as(name).isEqualTo(written);
        }
        List<String> stored = new ArrayList<>();
        for (org.apache.hadoop.fs.FileStatus status : hdfs.fileSystem().listStatus(new Path("/confined"))) {
            stored.add(status.getPath().getName());
        }
        assertThat(stored).as("each name is stored as written, inside the root").containsAll(names);
        assertThat(client.list("/")).extracting(FileStatus::path).containsExactlyInAnyOrderElementsOf(names.stream().map(name -> "/" + name).toList());
        assertThat(hdfs.read("/outside/secret.txt")).isEqualTo("not for clients".getBytes(StandardCharsets.UTF_8));
        assertThat(hdfs.fileSystem().listStatus(new Path("/outside"))).hasSize(1);
    }

    @Test
    void hadoopSettingsComeFromSiteFilesOrFromWorkerKeys() throws Exception {
        hdfs.newRoot("/configured");
        // The URI names no NameNode: fs.defaultFS does, from a core-site.xml for worker 0 and from a worker key for worker 1.
        java.nio.file.Path coreSite = Files.writeString(clusters.directory().resolve("core-site.xml"), """
                <?xml version="1.0"?>
                <configuration>
                  <property><name>fs.defaultFS</name><value>%s</value></property>
                </configuration>
                """.formatted(hdfs.uri()));
        MiniCluster cluster = clusters.start(builder -> builder.workers(2)
                .property(CachetKeys.WORKER_UFS_URI.name(), "hdfs:///configured")
                .workerProperties(0, Map.of(CachetKeys.WORKER_UFS_CONFIG_RESOURCES.name(), coreSite.toString()))
                .workerProperties(1, Map.of(CachetKeys.WORKER_UFS_CONF_PREFIX + "fs.defaultFS", hdfs.uri().toString())));
        CachetClient client = clusters.client(cluster);
        List<String> owners = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String path = "/file-" + i;
            byte[] written = ClusterFiles.write(client, path, 1000 + i);
            assertThat(hdfs.read("/configured" + path)).isEqualTo(written);
            owners.add(client.owner(path).id());
        }
        assertThat(owners).as("both workers served writes").contains(cluster.workerServer(0).id(), cluster.workerServer(1).id());
    }

    private MiniCluster start(String root, UnaryOperator<MiniCluster.Builder> more) throws IOException {
        String uri = hdfs.newRoot(root);
        return clusters.start(builder -> more.apply(builder.workers(2)
                .property(CachetKeys.WORKER_UFS_URI.name(), uri)
                .property(CachetKeys.WORKER_PAGE_SIZE.name(), String.valueOf(PAGE))));
    }

    private static long cacheHits(MiniCluster cluster) {
        return IntStream.range(0, cluster.workers().size()).mapToLong(i -> cluster.workerServer(i).metrics().getCacheHits()).sum();
    }

    /** Temporary files of writes in progress under {@code root}'s staging folder. */
    private static List<String> stagedFiles(String root) throws IOException {
        Path staging = new Path(root + "/.cachet-tmp-writes");
        List<String> files = new ArrayList<>();
        if (!hdfs.fileSystem().exists(staging)) {
            return files;
        }
        RemoteIterator<LocatedFileStatus> iterator = hdfs.fileSystem().listFiles(staging, true);
        while (iterator.hasNext()) {
            files.add(iterator.next().getPath().toString());
        }
        return files;
    }

    private static byte[] content(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
