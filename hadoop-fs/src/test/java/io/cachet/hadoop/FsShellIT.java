package io.cachet.hadoop;

import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code hadoop fs} as users run it: FsShell in a JVM of its own with the shaded jar and the Hadoop
 * client jars, against a TLS cluster, configured only by -D flags (HADOOP_CLIENT_OPTS) or only by core-site.xml.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FsShellIT {
    private Path directory;
    private TestPki pki;
    private MiniCluster cluster;
    private String root;

    @BeforeAll
    void start(@TempDir Path directory) throws IOException {
        this.directory = directory;
        pki = TestPki.create(directory, "Shell CA");
        cluster = MiniCluster.builder(directory.resolve("cluster")).workers(2).properties(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS))).start();
        root = "cachet://localhost:" + cluster.coordinatorPort();
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @Test
    void shellCommandsWorkWithTlsGivenOnlyAsJvmFlags() throws Exception {
        Shell shell = new Shell(emptyConfDirectory(), jvmFlags(pki.trustSettings()));
        Path local = Files.writeString(directory.resolve("hello.txt"), "hello over TLS\n");
        Path local2 = Files.writeString(directory.resolve("second.txt"), "second file\n");

        assertThat(shell.run("-mkdir", "-p", root + "/shell/dir").exitCode()).isZero();
        assertThat(shell.run("-put", local.toString(), root + "/shell/dir/a.txt").exitCode()).isZero();
        assertThat(shell.run("-copyFromLocal", local2.toString(), root + "/shell/dir/b.txt").exitCode()).isZero();
        JavaProcess.Result listing = shell.run("-ls", "-R", root + "/shell");
        assertThat(listing.out()).contains(root + "/shell/dir/a.txt").contains(root + "/shell/dir/b.txt").containsPattern("drwxr-xr-x .* " + root + "/shell/dir");
        assertThat(shell.run("-cat", root + "/shell/dir/a.txt").out()).isEqualTo("hello over TLS\n");
        Path fetched = directory.resolve("fetched.txt");
        assertThat(shell.run("-get", root + "/shell/dir/a.txt", fetched.toString()).exitCode()).isZero();
        assertThat(Files.readString(fetched)).isEqualTo("hello over TLS\n");
        assertThat(shell.run("-mv", root + "/shell/dir/a.txt", root + "/shell/dir/c.txt").exitCode()).isZero();
        assertThat(shell.run("-cp", root + "/shell/dir/b.txt", root + "/shell/dir/d.txt").exitCode()).isZero();
        assertThat(shell.run("-cat", root + "/shell/dir/d.txt").out()).isEqualTo("second file\n");
        assertThat(shell.run("-du", "-s", root + "/shell").out()).startsWith(String.valueOf(15 + 12 + 12));
        assertThat(shell.run("-stat", "%n %b %F", root + "/shell/dir/c.txt").out().trim()).isEqualTo("c.txt 15 regular file");
        assertThat(shell.run("-test", "-e", root + "/shell/dir/c.txt").exitCode()).isZero();
        assertThat(shell.run("-test", "-e", root + "/shell/dir/a.txt").exitCode()).isEqualTo(1);
        JavaProcess.Result checksum = shell.run("-checksum", root + "/shell/dir/c.txt");
        assertThat(checksum.exitCode()).isZero();
        assertThat(checksum.out()).contains("c.txt").contains("NONE");
        assertThat(shell.run("-rm", "-r", root + "/shell/dir").exitCode()).isZero();
        assertThat(shell.run("-test", "-e", root + "/shell/dir").exitCode()).isEqualTo(1);
        assertThat(Files.exists(cluster.ufsRoot().resolve("shell/dir"))).isFalse();
    }

    @Test
    void shellCommandsWorkWithTlsGivenOnlyInCoreSite() throws Exception {
        StringBuilder site = new StringBuilder("<?xml version=\"1.0\"?>\n<configuration>\n");
        site.append("  <property><name>fs.defaultFS</name><value>").append(root).append("/</value></property>\n");
        pki.trustSettings().forEach((key, value) -> site.append("  <property><name>").append(key).append("</name><value>").append(value).append("</value></property>\n"));
        site.append("</configuration>\n");
        Path confDirectory = Files.createDirectories(directory.resolve("site-conf"));
        Files.writeString(confDirectory.resolve("core-site.xml"), site.toString());
        Shell shell = new Shell(confDirectory, List.of());
        Path local = Files.writeString(directory.resolve("site.txt"), "configured by core-site.xml\n");

        assertThat(shell.run("-mkdir", "-p", "/site").exitCode()).isZero();
        assertThat(shell.run("-put", local.toString(), "/site/file.txt").exitCode()).isZero();
        assertThat(shell.run("-ls", "/site").out()).contains("/site/file.txt");
        assertThat(shell.run("-cat", "/site/file.txt").out()).isEqualTo("configured by core-site.xml\n");
    }

    @Test
    void wrongTrustStorePasswordGivesAClearErrorAndANonZeroExit() throws Exception {
        Map<String, String> settings = pki.trustSettings();
        settings.put("cachet.network.tls.truststore.password", "not-the-password");
        Shell shell = new Shell(emptyConfDirectory(), jvmFlags(settings));

        JavaProcess.Result result = shell.run("-ls", root + "/");

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.err()).contains("Cannot open trust store").contains("the password is wrong").contains("cachet.network.tls.truststore.password")
                .doesNotContain("\tat ").doesNotContain("not-the-password");
    }

    private Path emptyConfDirectory() throws IOException {
        Path confDirectory = Files.createDirectories(directory.resolve("empty-conf"));
        Files.writeString(confDirectory.resolve("core-site.xml"), "<?xml version=\"1.0\"?>\n<configuration/>\n");
        return confDirectory;
    }

    private static List<String> jvmFlags(Map<String, String> settings) {
        List<String> flags = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        settings.forEach((key, value) -> flags.add("-D" + key + "=" + value));
        return flags;
    }

    /** FsShell with the shaded jar, the Hadoop client jars and a configuration directory, one JVM per command. */
    private record Shell(Path confDirectory, List<String> jvmFlags) {
        JavaProcess.Result run(String... args) throws IOException, InterruptedException {
            List<Path> classpath = new ArrayList<>();
            classpath.add(confDirectory);
            classpath.add(JavaProcess.shadedJar());
            classpath.addAll(JavaProcess.jars("cachet.it.hadoop.client"));
            return JavaProcess.run(classpath, jvmFlags, "org.apache.hadoop.fs.FsShell", List.of(args));
        }
    }

}
