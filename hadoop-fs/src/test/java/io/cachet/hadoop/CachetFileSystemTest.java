package io.cachet.hadoop;

import io.cachet.client.CachetClient;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.fs.statistics.IOStatistics;
import org.apache.hadoop.fs.statistics.IOStatisticsSource;
import org.apache.hadoop.fs.statistics.StreamStatisticNames;
import org.junit.jupiter.api.Test;

import java.io.FileNotFoundException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the contract suite does not cover: configuration scopes, statistics, locality and honest refusals. */
class CachetFileSystemTest {
    @Test
    void registeredForTheCachetSchemeWithoutTouchingTheNetwork() throws Exception {
        // Hadoop instantiates every registered FileSystem through ServiceLoader: that must be harmless.
        assertThat(FileSystem.getFileSystemClass("cachet", new Configuration())).isEqualTo(CachetFileSystem.class);
        assertThat(new CachetFileSystem().getScheme()).isEqualTo("cachet");
    }

    @Test
    void coordinatorComesFromTheAuthorityOrFromConfiguration() throws Exception {
        Configuration conf = conf();
        conf.set("cachet.coordinator.address", "localhost:" + ContractCluster.get().coordinatorPort());
        try (FileSystem fs = FileSystem.newInstance(URI.create("cachet:///"), conf)) {
            fs.mkdirs(new Path("/fs-test/default-authority"));
            assertThat(fs.getFileStatus(new Path("/fs-test/default-authority")).isDirectory()).isTrue();
        }
    }

    @Test
    void statisticsCountBytesOperationsAndHandshakes() throws Exception {
        try (FileSystem fs = newFileSystem()) {
            Path path = new Path("/fs-test/stats.bin");
            byte[] content = new byte[100_000];
            try (FSDataOutputStream out = fs.create(path, true)) {
                out.write(content);
            }
            try (FSDataInputStream in = fs.open(path)) {
                assertThat(in.read(ByteBuffer.allocate(60_000))).isEqualTo(60_000);
                in.readFully(60_000, new byte[40_000]);
                IOStatistics stream = ((IOStatisticsSource) in.getWrappedStream()).getIOStatistics();
                assertThat(stream.counters()).containsEntry(StreamStatisticNames.STREAM_READ_BYTES, 100_000L);
                assertThat(stream.counters().get(StreamStatisticNames.STREAM_READ_OPERATIONS)).isEqualTo(2L);
                assertThat(in.hasCapability(StreamCapabilities.IOSTATISTICS)).isTrue();
                assertThat(in.hasCapability(StreamCapabilities.READAHEAD)).isFalse();
            }
            FileSystem.Statistics statistics = FileSystem.getStatistics("cachet", CachetFileSystem.class);
            assertThat(statistics.getBytesWritten()).isGreaterThanOrEqualTo(100_000);
            assertThat(statistics.getBytesRead()).isGreaterThanOrEqualTo(100_000);
            IOStatistics fsStatistics = ((CachetFileSystem) fs).getIOStatistics();
            assertThat(fsStatistics.counters().get("tls_handshakes")).isPositive();
            assertThat(fsStatistics.counters().get("bytes_read")).isGreaterThanOrEqualTo(100_000L);
        }
    }

    @Test
    void aStatusNamesItsPathAsAListingDoesHoweverThePathWasSpelled() throws Exception {
        try (FileSystem fs = newFileSystem()) {
            Path path = new Path("/fs-test/spelled/file.bin");
            try (FSDataOutputStream out = fs.create(path, true)) {
                out.write(new byte[10]);
            }
            Path listed = fs.listStatus(new Path("/fs-test/spelled"))[0].getPath();
            fs.setWorkingDirectory(new Path("/fs-test"));
            String upperCase = fs.getUri().toString().toUpperCase(Locale.ROOT) + "/fs-test/spelled/file.bin";
            for (Path spelling : List.of(path, new Path("spelled/file.bin"), new Path("/fs-test//spelled/file.bin/"), new Path(upperCase),
                    new Path(fs.getUri() + "/fs-test/spelled/file.bin"))) {
                assertThat(fs.getFileStatus(spelling).getPath()).as(spelling.toString()).hasToString(listed.toString());
            }
        }
    }

    @Test
    void blockLocationsNameTheWorkerThatOwnsThePath() throws Exception {
        try (FileSystem fs = newFileSystem()) {
            Path path = new Path("/fs-test/located.bin");
            try (FSDataOutputStream out = fs.create(path, true)) {
                out.write(new byte[5000]);
            }
            FileStatus status = fs.getFileStatus(path);
            BlockLocation[] locations = fs.getFileBlockLocations(status, 0, status.getLen());

            CachetClient client = ((CachetFileSystem) fs).client();
            assertThat(locations).hasSize(1);
            assertThat(locations[0].getHosts()).containsExactly(client.owner("/fs-test/located.bin").host());
            assertThat(locations[0].getNames()).containsExactly(client.owner("/fs-test/located.bin").host() + ":" + client.owner("/fs-test/located.bin").dataPort());
            assertThat(locations[0].getLength()).isEqualTo(5000);
            assertThat(fs.getFileBlockLocations(status, 6000, 10)).isEmpty();
        }
    }

    @Test
    void unsupportedCallsSayWhyAndCapabilitiesAreTruthful() throws Exception {
        try (FileSystem fs = newFileSystem()) {
            Path path = new Path("/fs-test/immutable.txt");
            try (FSDataOutputStream out = fs.create(path, true)) {
                out.write(1);
                assertThatThrownBy(out::hflush).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("becomes visible, whole, when the stream is closed");
                assertThat(out.hasCapability(StreamCapabilities.HFLUSH)).isFalse();
            }
            assertThatThrownBy(() -> fs.append(path)).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("immutable once closed");
            FsPermission before = fs.getFileStatus(path).getPermission();
            fs.setPermission(path, new FsPermission((short) 0600));
            assertThat(fs.getFileStatus(path).getPermission()).as("accepted and ignored, as by object stores").isEqualTo(before);
            assertThatThrownBy(() -> fs.setPermission(new Path("/fs-test/missing"), FsPermission.getFileDefault())).isInstanceOf(FileNotFoundException.class);
            assertThatThrownBy(() -> fs.setOwner(path, "someone", "some-group")).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("Owners are not supported");
            assertThat(fs.hasPathCapability(path, CommonPathCapabilities.FS_APPEND)).isFalse();
            assertThat(fs.hasPathCapability(path, CommonPathCapabilities.FS_PERMISSIONS)).isFalse();
            assertThat(fs.hasPathCapability(path, CommonPathCapabilities.FS_CHECKSUMS)).isFalse();
            assertThat(fs.getFileChecksum(path)).isNull();
        }
    }

    @Test
    void hadoopConfigurationWinsOverJvmSystemProperties() throws Exception {
        String previous = System.getProperty("cachet.network.tls.truststore.password");
        System.setProperty("cachet.network.tls.truststore.password", "wrong-from-the-jvm");
        try (FileSystem fs = newFileSystem()) {
            assertThat(fs.getFileStatus(new Path("/")).isDirectory()).isTrue();
        }
        finally {
            if (previous == null) {
                System.clearProperty("cachet.network.tls.truststore.password");
            }
            else {
                System.setProperty("cachet.network.tls.truststore.password", previous);
            }
        }
    }

    private static FileSystem newFileSystem() throws Exception {
        return FileSystem.newInstance(URI.create("cachet://localhost:" + ContractCluster.get().coordinatorPort() + "/"), conf());
    }

    private static Configuration conf() {
        Configuration conf = new Configuration();
        ContractCluster.clientSettings().forEach(conf::set);
        return conf;
    }
}
