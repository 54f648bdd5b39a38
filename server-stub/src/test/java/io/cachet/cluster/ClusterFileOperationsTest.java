package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.client.CachetInputStream;
import io.cachet.client.FileStatus;
import io.cachet.conf.CachetKeys;
import io.cachet.hdfs.HdfsCluster;
import io.cachet.minicluster.MiniCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** End-to-end file operations against a real coordinator and workers, over TLS and over plaintext, on a local folder and on HDFS. */
class ClusterFileOperationsTest {
    static final int PAGE = 64 << 10;

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OverTls extends Operations {
        @RegisterExtension
        static final ClusterFixture clusters = ClusterFixture.tls("Cluster CA");

        @Override
        ClusterFixture clusters() {
            return clusters;
        }

        @Test
        void everyConnectionWasEncrypted() throws IOException {
            roundTrip("/tls-check.bin", 3 * PAGE);
            assertThat(client.metrics().tlsHandshakes()).isGreaterThanOrEqualTo(2);
            for (int i = 0; i < 2; i++) {
                assertThat(cluster.workerServer(i).connections().plaintextConnections()).isZero();
            }
            assertThat(cluster.coordinatorServer().connections().plaintextConnections()).isZero();
            assertThat(cluster.coordinatorServer().connections().tlsHandshakes()).isPositive();
        }

        @Test
        void aMissingFileOrAFileInTheWayIsAnsweredOnTheConnectionAlreadyOpen() throws IOException {
            String present = "/kept/present.bin";
            roundTrip(present, PAGE);
            String owner = client.owner(present).id();
            assertThat(client.status(present).length()).isEqualTo(PAGE);
            long handshakes = client.metrics().tlsHandshakes();

            int asked = 0;
            for (int i = 0; asked < 10; i++) {
                String missing = "/kept/missing-" + i;
                if (client.owner(missing).id().equals(owner)) {
                    assertThatThrownBy(() -> client.status(missing)).isInstanceOf(FileNotFoundException.class).hasMessageContaining(missing);
                    asked++;
                }
            }
            assertThatThrownBy(() -> client.create(present, false, false)).isInstanceOf(FileAlreadyExistsException.class);
            assertThat(client.status(present).length()).isEqualTo(PAGE);

            assertThat(client.metrics().tlsHandshakes()).as("no error answer cost a new connection").isEqualTo(handshakes);
        }

        @Test
        void aClientKeepsNoMoreIdleConnectionsToAWorkerThanItIsToldTo() throws IOException {
            List<String> files = new ArrayList<>();
            String owner = null;
            for (int i = 0; files.size() < 3; i++) {
                String file = "/idle/file-" + i;
                if (owner == null || client.owner(file).id().equals(owner)) {
                    owner = client.owner(file).id();
                    roundTrip(file, PAGE);
                    files.add(file);
                }
            }
            Map<String, String> keepsOne = clusters.trustingClientSettings(cluster);
            keepsOne.put(CachetKeys.CLIENT_IDLE_CONNECTIONS.name(), "1");
            CachetClient sparing = clusters.client(keepsOne);
            assertThat(handshakesToReadAtOnce(sparing, files)).as("three files read at once from one worker").isEqualTo(3);
            assertThat(handshakesToReadAtOnce(sparing, files)).as("one connection was kept").isEqualTo(2);

            CachetClient byDefault = clusters.client(clusters.trustingClientSettings(cluster));
            assertThat(handshakesToReadAtOnce(byDefault, files)).isEqualTo(3);
            assertThat(handshakesToReadAtOnce(byDefault, files)).as("all three were kept").isZero();
        }

        /** Opens every file and reads a byte of each, so each holds a connection, then reads them to the end. */
        private long handshakesToReadAtOnce(CachetClient reader, List<String> files) throws IOException {
            long before = reader.metrics().tlsHandshakes();
            List<CachetInputStream> streams = new ArrayList<>();
            try {
                for (String file : files) {
                    CachetInputStream in = reader.open(file);
                    streams.add(in);
                    assertThat(in.read()).isNotNegative();
                }
                for (CachetInputStream in : streams) {
                    assertThat(in.readAllBytes()).hasSize(PAGE - 1);
                }
            }
            finally {
                streams.forEach(CachetInputStream::close);
            }
            return reader.metrics().tlsHandshakes() - before;
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OverPlaintext extends Operations {
        @RegisterExtension
        static final ClusterFixture clusters = ClusterFixture.plaintext();

        @Override
        ClusterFixture clusters() {
            return clusters;
        }
    }

    /** The same operations with a real HDFS (data transfer encrypted) as the under-file-system, over TLS. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @Tag(HdfsUnderFileSystemTest.TAG)
    class OverTlsOnHdfs extends Operations {
        @RegisterExtension
        static final ClusterFixture clusters = ClusterFixture.tls("Cluster CA");
        private HdfsCluster hdfs;

        @Override
        ClusterFixture clusters() {
            return clusters;
        }

        @Override
        Map<String, String> underFileSystem() throws IOException {
            hdfs = HdfsCluster.start(clusters.directory().resolve("hdfs"), 2, true);
            clusters.closeAfter(hdfs);
            return Map.of(CachetKeys.WORKER_UFS_URI.name(), hdfs.newRoot("/cachet"));
        }

        @Override
        byte[] underFileSystemContent(String path) throws IOException {
            return hdfs.read("/cachet" + path);
        }

        @Test
        void theWorkersWroteThroughToHdfs() throws IOException {
            byte[] written = roundTrip("/through/to-hdfs.bin", 2 * PAGE + 5);
            assertThat(hdfs.fileSystem().getFileStatus(new org.apache.hadoop.fs.Path("/cachet/through/to-hdfs.bin")).getLen()).isEqualTo(written.length);
            assertThat(client.list("/")).extracting(FileStatus::path).doesNotContain("/.cachet-tmp-writes");
        }
    }

    abstract static class Operations {
        MiniCluster cluster;
        CachetClient client;

        /** The nested class's own fixture: its cluster lives as long as the class. */
        abstract ClusterFixture clusters();

        /** Properties that choose the workers' under-file-system: none for the cluster's local folder. */
        Map<String, String> underFileSystem() throws IOException {
            return Map.of();
        }

        /** A file's bytes as the under-file-system holds them. */
        byte[] underFileSystemContent(String path) throws IOException {
            return Files.readAllBytes(cluster.ufsRoot().resolve(path.substring(1)));
        }

        @BeforeAll
        void startCluster() throws IOException {
            Map<String, String> underFileSystem = underFileSystem();
            cluster = clusters().start(builder -> builder.workers(2)
                    .properties(underFileSystem)
                    .property("cachet.worker.page.size", String.valueOf(PAGE))
                    .property("cachet.client.read.ahead", String.valueOf(2 * PAGE)));
            client = clusters().client(cluster);
        }

        @Test
        void filesOfEdgeSizesRoundTripByteForByte() throws IOException {
            for (int size : List.of(0, 1, PAGE - 1, PAGE, PAGE + 1, 3 * PAGE + 17)) {
                byte[] written = roundTrip("/sizes/file-" + size, size);
                assertThat(client.status("/sizes/file-" + size).length()).isEqualTo(size);
                assertThat(underFileSystemContent("/sizes/file-" + size)).isEqualTo(written);
            }
        }

        @Test
        void rangesPositionedReadsAndReadsPastTheEnd() throws IOException {
            byte[] content = write("/ranges.bin", 2 * PAGE + 100);
            try (CachetInputStream in = client.open("/ranges.bin")) {
                byte[] middle = new byte[PAGE];
                in.readFully(PAGE / 2, middle, 0, PAGE);
                assertThat(middle).isEqualTo(Arrays.copyOfRange(content, PAGE / 2, PAGE / 2 + PAGE));

                in.seek(PAGE + 10);
                byte[] afterSeek = new byte[50];
                assertThat(in.readNBytes(afterSeek, 0, 50)).isEqualTo(50);
                assertThat(afterSeek).isEqualTo(Arrays.copyOfRange(content, PAGE + 10, PAGE + 60));
                assertThat(in.position()).isEqualTo(PAGE + 60);

                byte[] tail = new byte[500];
                assertThat(in.read(2L * PAGE + 50, tail, 0, 500)).isEqualTo(50);
                assertThat(in.read(2L * PAGE + 100, tail, 0, 10)).isEqualTo(-1);
                assertThat(in.position()).as("positioned reads leave the stream where it was").isEqualTo(PAGE + 60);

                in.seek(content.length);
                assertThat(in.read()).isEqualTo(-1);
                assertThatThrownBy(() -> in.seek(content.length + 1L)).isInstanceOf(EOFException.class);
                assertThatThrownBy(() -> in.readFully(2L * PAGE, new byte[200], 0, 200)).isInstanceOf(EOFException.class);
            }
        }

        @Test
        void metadataOperations() throws IOException {
            assertThat(client.mkdirs("/meta/a/b")).isTrue();
            assertThat(client.status("/meta/a").directory()).isTrue();
            write("/meta/a/one.txt", 10);
            write("/meta/a/two.txt", 20);
            assertThat(client.list("/meta/a")).extracting(FileStatus::path).containsExactly("/meta/a/b", "/meta/a/one.txt", "/meta/a/two.txt");
            assertThat(client.list("/meta/a/one.txt")).extracting(FileStatus::length).containsExactly(10L);

            assertThatThrownBy(() -> client.status("/meta/missing")).isInstanceOf(FileNotFoundException.class).hasMessageContaining("/meta/missing");
            assertThatThrownBy(() -> client.delete("/meta/a", false)).isInstanceOf(DirectoryNotEmptyException.class);
            assertThat(client.delete("/meta/nothing-here", false)).isFalse();

            assertThat(client.rename("/meta/a/one.txt", "/meta/a/b")).as("into a directory").isTrue();
            assertThat(client.status("/meta/a/b/one.txt").length()).isEqualTo(10);
            assertThat(client.rename("/meta/a/two.txt", "/meta/a/b/one.txt")).as("never over a file").isFalse();
            assertThat(client.rename("/meta/a/missing", "/meta/x")).isFalse();
            assertThat(client.rename("/meta/a", "/meta/a/b/inside")).as("not into itself").isFalse();
            assertThat(client.rename("/meta/a/two.txt", "/meta/renamed.txt")).isTrue();
            assertThat(read("/meta/renamed.txt")).hasSize(20);

            assertThatThrownBy(() -> client.mkdirs("/meta/renamed.txt/sub")).isInstanceOf(NotDirectoryException.class);
            assertThat(client.delete("/meta", true)).isTrue();
            assertThatThrownBy(() -> client.status("/meta")).isInstanceOf(FileNotFoundException.class);
        }

        @Test
        void createFollowsOverwriteAndParentRules() throws IOException {
            write("/create/existing.txt", 5);
            assertThatThrownBy(() -> client.create("/create/existing.txt", false, true)).isInstanceOf(FileAlreadyExistsException.class);
            byte[] replaced = write("/create/existing.txt", 7);
            assertThat(read("/create/existing.txt")).isEqualTo(replaced);

            assertThatThrownBy(() -> client.create("/create/no-parent/file", false, false)).isInstanceOf(FileNotFoundException.class);
            assertThatThrownBy(() -> client.create("/create/existing.txt/child", true, true)).isInstanceOf(NotDirectoryException.class);
            assertThatThrownBy(() -> client.create("/create", true, true)).hasMessageContaining("is a directory");
            assertThatThrownBy(() -> client.open("/create")).hasMessageContaining("is a directory");
        }

        byte[] roundTrip(String path, int size) throws IOException {
            byte[] written = write(path, size);
            assertThat(read(path)).as(path).isEqualTo(written);
            return written;
        }

        byte[] write(String path, int size) throws IOException {
            byte[] content = new byte[size];
            new Random(path.hashCode() + size).nextBytes(content);
            try (OutputStream out = client.create(path, true, true)) {
                out.write(content);
            }
            return content;
        }

        byte[] read(String path) throws IOException {
            try (InputStream in = client.open(path)) {
                return in.readAllBytes();
            }
        }
    }
}
