package io.cachet.spark;

import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * TLS MiniClusters for Spark tests. The servers run as JVMs of their own with the server module's
 * classpath, so Spark's Netty and the servers' never meet; the test JVM holds only the shaded client.
 */
final class SparkTestClusters {
    private SparkTestClusters() {}

    static MiniCluster start(Path directory, TestPki pki, List<String> serverHosts) throws IOException {
        return MiniCluster.builder(directory.resolve("cluster"))
                .workers(2)
                .separateProcesses(true)
                .serverClasspath(serverClasspath())
                .properties(pki.nodeSettings(pki.server(serverHosts)))
                .start();
    }

    static String serverClasspath() throws IOException {
        Path module = Path.of(System.getProperty("cachet.server.module"));
        String dependencies = Files.readString(module.resolve("target/runtime-classpath.txt")).strip();
        return module.resolve("target/classes") + File.pathSeparator + dependencies;
    }
}
