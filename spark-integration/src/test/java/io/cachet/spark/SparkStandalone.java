package io.cachet.spark;

import io.cachet.minicluster.MiniCluster;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.Eventually;
import io.cachet.testing.LeakDetection;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster as {@code sbin/start-master.sh} and {@code sbin/start-worker.sh} run it: a
 * Master and a Worker, each a JVM of its own, with Spark's jars (and nothing of Cachet) as their class
 * path. Executors are the Worker's child processes. Closing it stops both and whatever they started.
 */
final class SparkStandalone implements AutoCloseable {
    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*[1-9]");
    // The Master's own word for its address: it moves to the next port when the one asked for is taken.
    private static final Pattern MASTER_URL = Pattern.compile("\"url\"\\s*:\\s*\"(spark://[^\"]+)\"");

    private final Process master;
    private final Process worker;
    private final String masterUrl;
    private final Path sparkHome;

    private SparkStandalone(Process master, Process worker, String masterUrl, Path sparkHome) {
        this.master = master;
        this.worker = worker;
        this.masterUrl = masterUrl;
        this.sparkHome = sparkHome;
    }

    /** Starts a Master and one Worker with {@code cores} cores, and waits until the Master lists the Worker. */
    static SparkStandalone start(Path sparkHome, String sparkClasspath, int cores) throws Exception {
        Files.createDirectories(sparkHome.resolve("jars"));
        Files.createDirectories(sparkHome.resolve("conf"));
        int masterUiPort = MiniCluster.freePort();
        Process master = daemon(sparkHome, sparkClasspath, "master", List.of("org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", String.valueOf(MiniCluster.freePort()), "--webui-port", String.valueOf(masterUiPort)));
        Process worker = null;
        try {
            URL state = URI.create("http://127.0.0.1:" + masterUiPort + "/json/").toURL();
            String masterUrl = awaitMaster(master, state, sparkHome);
            worker = daemon(sparkHome, sparkClasspath, "worker", List.of("org.apache.spark.deploy.worker.Worker", masterUrl,
                    "--host", "127.0.0.1", "--cores", String.valueOf(cores), "--memory", "2g", "--webui-port", String.valueOf(MiniCluster.freePort()),
                    "--work-dir", sparkHome.resolve("work").toString()));
            Process started = worker;
            Eventually.await("the Spark Master at " + masterUrl + " lists a live Worker (logs in " + sparkHome + ")", () -> {
                if (!master.isAlive() || !started.isAlive()) {
                    throw new IllegalStateException("the Spark Master or Worker exited; see " + sparkHome.resolve("master.log") + " and " + sparkHome.resolve("worker.log"));
                }
                return ALIVE_WORKERS.matcher(read(state)).find();
            });
            return new SparkStandalone(master, worker, masterUrl, sparkHome);
        }
        catch (Exception | Error e) {
            stop(worker);
            stop(master);
            throw e;
        }
    }

    /** Waits for the Master's web UI and returns the spark:// address it reports. */
    private static String awaitMaster(Process master, URL state, Path sparkHome) throws Exception {
        AtomicReference<String> url = new AtomicReference<>();
        Eventually.await("the Spark Master answers on " + state + " (log in " + sparkHome.resolve("master.log") + ")", () -> {
            if (!master.isAlive()) {
                throw new IllegalStateException("the Spark Master exited; see " + sparkHome.resolve("master.log"));
            }
            Matcher matcher = MASTER_URL.matcher(read(state));
            if (matcher.find()) {
                url.set(matcher.group(1));
            }
            return url.get() != null;
        });
        return url.get();
    }

    private static String read(URL url) throws IOException {
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * This test's class path without Cachet's own classes and jars: what a Spark installation holds
     * before a user adds Cachet, so the Cachet jars reach Spark only the way a test gives them.
     */
    static String sparkOnlyClasspath() {
        Path repository = Path.of(System.getProperty("cachet.repository.root")).toAbsolutePath().normalize();
        return String.join(File.pathSeparator, Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .filter(entry -> {
                    Path path = Path.of(entry).toAbsolutePath().normalize();
                    return !path.startsWith(repository) && !path.toString().contains(File.separator + "io" + File.separator + "cachet" + File.separator);
                })
                .toList());
    }

    String masterUrl() {
        return masterUrl;
    }

    /** The Worker's process: the parent of every executor. */
    ProcessHandle worker() {
        return worker.toHandle();
    }

    @Override
    public void close() throws IOException {
        stop(worker);
        stop(master);
        LeakDetection.assertNoReportsUnder(sparkHome);
    }

    private static Process daemon(Path sparkHome, String classpath, String name, List<String> mainAndArguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        command.addAll(List.of("-cp", classpath));
        command.addAll(mainAndArguments);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(sparkHome.toFile())
                .redirectErrorStream(true)
                .redirectOutput(sparkHome.resolve(name + ".log").toFile());
        Map<String, String> environment = builder.environment();
        environment.put("SPARK_HOME", sparkHome.toString());
        environment.put("SPARK_SCALA_VERSION", "2.13");
        // What the Worker puts on its executors' class path besides $SPARK_HOME/jars.
        environment.put("SPARK_DIST_CLASSPATH", classpath);
        environment.remove("SPARK_TESTING");
        // The daemons, and the executors that inherit the Worker's environment, run with the test's leak detection.
        environment.putAll(ChildJvms.environment());
        return builder.start();
    }

    /** Stops a daemon and everything it started (a Worker's executors), and waits until they are all gone. */
    private static void stop(Process process) {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        try {
            for (ProcessHandle handle : all) {
                try {
                    handle.onExit().get(60, TimeUnit.SECONDS);
                }
                catch (TimeoutException e) {
                    handle.destroyForcibly();
                    handle.onExit().get(10, TimeUnit.SECONDS);
                }
            }
        }
        catch (InterruptedException e) {
            all.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        }
        catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot stop " + process.pid(), e);
        }
    }
}
