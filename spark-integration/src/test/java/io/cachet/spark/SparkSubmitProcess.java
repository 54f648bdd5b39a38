package io.cachet.spark;

import io.cachet.testing.ChildJvms;
import io.cachet.testing.LeakDetection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs spark-submit the way bin/spark-submit does: Spark's launcher ({@code org.apache.spark.launcher.Main})
 * turns the arguments and any properties file into the driver's java command (applying
 * spark.driver.extraJavaOptions), and that command runs. Spark's jars come from this test's classpath.
 */
final class SparkSubmitProcess {
    record Result(int exitCode, String out, String err) {
        String all() {
            return out + "\n" + err;
        }
    }

    private SparkSubmitProcess() {}

    /** Submits with this test's class path as Spark's, as the local-cluster tests do. */
    static Result run(Path sparkHome, List<String> submitArguments, Map<String, String> extraEnvironment) throws IOException, InterruptedException {
        Map<String, String> environment = new HashMap<>(extraEnvironment);
        environment.put("SPARK_TESTING", "1");
        return run(sparkHome, System.getProperty("java.class.path"), sparkHome, submitArguments, environment);
    }

    /**
     * Submits with {@code classpath} as Spark's own jars (what {@code $SPARK_HOME/jars} holds on a real
     * installation), the driver running in {@code workingDirectory} as it would in the folder spark-submit
     * is run from.
     */
    static Result run(Path sparkHome, String classpath, Path workingDirectory, List<String> submitArguments, Map<String, String> extraEnvironment)
            throws IOException, InterruptedException {
        Files.createDirectories(sparkHome.resolve("jars"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        List<String> launcher = new ArrayList<>(List.of(java, "-cp", classpath, "org.apache.spark.launcher.Main", "org.apache.spark.deploy.SparkSubmit"));
        launcher.addAll(submitArguments);
        ProcessBuilder build = new ProcessBuilder(launcher).directory(workingDirectory.toFile());
        environment(build, sparkHome, classpath, extraEnvironment);
        Process builder = build.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] printed = builder.getInputStream().readAllBytes();
        if (!builder.waitFor(60, TimeUnit.SECONDS) || builder.exitValue() != 0) {
            throw new IOException("Spark's launcher failed: " + new String(printed, StandardCharsets.UTF_8));
        }
        List<String> command = Arrays.stream(new String(printed, StandardCharsets.UTF_8).split("\0")).map(String::strip).filter(part -> !part.isEmpty()).toList();

        Path out = Files.createTempFile(sparkHome, "driver", ".out");
        Path err = Files.createTempFile(sparkHome, "driver", ".err");
        ProcessBuilder driver = new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        environment(driver, sparkHome, classpath, extraEnvironment);
        // Through the environment, so the executors the driver starts inherit it and the submitted options stay as written.
        driver.environment().putAll(ChildJvms.environment());
        Process process = driver.start();
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("The Spark driver did not finish: " + Files.readString(err));
        }
        Result result = new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        LeakDetection.assertNoReports("The Spark driver", result.all());
        // Executors of a local cluster write their output under the Spark home's work folder.
        LeakDetection.assertNoReportsUnder(sparkHome.resolve("work"));
        return result;
    }

    /** Arguments every local-cluster submission of these tests shares. */
    static List<String> localCluster(String... more) {
        List<String> arguments = new ArrayList<>(List.of(
                "--master", "local-cluster[2,1,1024]",
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.testing=1",
                "--conf", "spark.executor.extraClassPath=" + System.getProperty("java.class.path"),
                "--conf", "spark.executorEnv.SPARK_SCALA_VERSION=2.13",
                "--conf", "spark.test.home=" + System.getProperty("cachet.repository.root")));
        arguments.addAll(List.of(more));
        return arguments;
    }

    private static void environment(ProcessBuilder builder, Path sparkHome, String classpath, Map<String, String> extra) {
        Map<String, String> environment = builder.environment();
        environment.put("SPARK_HOME", sparkHome.toString());
        environment.put("SPARK_DIST_CLASSPATH", classpath);
        environment.put("SPARK_SCALA_VERSION", "2.13");
        environment.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        environment.putAll(extra);
    }

}
