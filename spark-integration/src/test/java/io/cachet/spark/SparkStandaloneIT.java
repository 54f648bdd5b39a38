package io.cachet.spark;

import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Spark set-up users are told to use (examples/spark/README.md), as written: a real standalone Master
 * and Worker in processes of their own, spark-submit through Spark's launcher with
 * examples/spark/spark-defaults.conf and the built jars (the shaded Cachet file system and the Spark
 * plugin), the trust store and its password file shipped with --files, against a TLS Cachet cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkStandaloneIT {
    private static final String EXAMPLE_JOB = "io.cachet.spark.examples.CachetExampleJob";

    private Path directory;
    private TestPki pki;
    private MiniCluster cluster;
    private SparkStandalone spark;
    private String sparkClasspath;

    @BeforeAll
    void start(@TempDir Path directory) throws Exception {
        this.directory = directory;
        pki = TestPki.create(directory, "Spark Standalone CA");
        cluster = SparkTestClusters.start(directory, pki, TestPki.LOOPBACK_HOSTS);
        sparkClasspath = SparkStandalone.sparkOnlyClasspath();
        spark = SparkStandalone.start(directory.resolve("spark-home"), sparkClasspath, 2);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (spark != null) {
                spark.close();
            }
        }
        finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    void jarsGivenWithDashDashJars() throws Exception {
        Path submitFolder = submitFolder("jars");
        submit(submitFolder, exampleDefaults(), "/standalone-jars", "--jars", shadedJar() + "," + sparkJar());
    }

    @Test
    void jarsOnTheDriverAndExecutorClassPath() throws Exception {
        Path submitFolder = submitFolder("class-path");
        String jars = shadedJar() + File.pathSeparator + sparkJar();
        submit(submitFolder, exampleDefaults(), "/standalone-class-path",
                "--conf", "spark.driver.extraClassPath=" + jars,
                "--conf", "spark.executor.extraClassPath=" + jars);
    }

    @Test
    void thePluginAloneMakesCachetResolvableForDashDashJars() throws Exception {
        // The example without its spark.hadoop.fs.cachet.impl line: the Cachet plugin must name the class itself.
        Path defaults = Files.writeString(directory.resolve("spark-defaults-without-fs-impl.conf"), Files.readAllLines(exampleDefaults()).stream()
                .filter(line -> !line.startsWith("spark.hadoop.fs.cachet.impl"))
                .collect(Collectors.joining("\n")));
        submit(submitFolder("plugin-only"), defaults, "/standalone-plugin-only", "--jars", shadedJar() + "," + sparkJar());
    }

    /** A folder like the one a user runs spark-submit from: the trust store and its password file beside them. */
    private Path submitFolder(String name) throws Exception {
        Path folder = Files.createDirectories(directory.resolve("submit-" + name));
        Files.copy(pki.trustStore(), folder.resolve("truststore.p12"));
        Files.writeString(folder.resolve("truststore.password"), TestPki.PASSWORD + "\n");
        return folder;
    }

    /** Submits the example job and checks its results, where it ran, and every command line seen meanwhile. */
    private void submit(Path submitFolder, Path defaults, String path, String... jars) throws Exception {
        List<String> arguments = new ArrayList<>(List.of(
                "--master", spark.masterUrl(),
                "--properties-file", defaults.toString(),
                "--files", "truststore.p12,truststore.password",
                "--conf", "spark.executor.cores=1",
                "--conf", "spark.executor.memory=512m",
                "--conf", "spark.ui.enabled=false"));
        arguments.addAll(List.of(jars));
        arguments.addAll(List.of("--class", EXAMPLE_JOB, "spark-internal", "cachet://localhost:" + cluster.coordinatorPort(), path));

        try (CommandLineWatcher commandLines = new CommandLineWatcher()) {
            SparkSubmitProcess.Result result = SparkSubmitProcess.run(directory.resolve("spark-home"), sparkClasspath, submitFolder, arguments, Map.of());
            assertJobSucceeded(result);
            List<CommandLineWatcher.Seen> executors = commandLines.running("org.apache.spark.executor.CoarseGrainedExecutorBackend");
            assertThat(executors).as("executor processes seen while the job ran").isNotEmpty()
                    .allMatch(executor -> executor.parentPid() == spark.worker().pid(), "started by the Worker");
            // The JVMs the job's tasks reported running in are those executors.
            List<Long> executorPids = executors.stream().map(CommandLineWatcher.Seen::pid).toList();
            assertThat(Pattern.compile("pid=(\\d+)").matcher(result.out()).results().map(match -> Long.parseLong(match.group(1))).toList())
                    .isNotEmpty().allMatch(executorPids::contains);
            assertThat(commandLines.running("org.apache.spark.deploy.SparkSubmit")).as("the driver's command line").isNotEmpty();
            assertThat(commandLines.all())
                    .as("no command line holds the trust store password")
                    .noneMatch(seen -> seen.commandLine().contains(TestPki.PASSWORD));
        }
    }

    private static void assertJobSucceeded(SparkSubmitProcess.Result result) {
        assertThat(result.exitCode()).as(result.all()).isZero();
        assertThat(result.out()).contains("csv rows: 10000").contains("rows: 10000").contains("bucket 3 rows: 1000").contains("sum of ids: 49995000");
        assertThat(result.all()).doesNotContain(TestPki.PASSWORD);
    }

    private static Path exampleDefaults() {
        return Path.of(System.getProperty("cachet.repository.root"), "examples", "spark", "spark-defaults.conf");
    }

    private static String shadedJar() {
        return System.getProperty("cachet.it.shaded.jar");
    }

    private static String sparkJar() {
        return System.getProperty("cachet.it.spark.jar");
    }
}
