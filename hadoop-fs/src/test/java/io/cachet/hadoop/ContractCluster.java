package io.cachet.hadoop;

import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** One TLS MiniCluster shared by every contract test class of this test JVM, stopped when the JVM exits. */
final class ContractCluster {
    private static MiniCluster cluster;
    private static Map<String, String> clientSettings;

    private ContractCluster() {}

    static synchronized MiniCluster get() {
        if (cluster == null) {
            try {
                Path directory = Files.createTempDirectory("cachet-contract");
                TestPki pki = TestPki.create(directory, "Contract CA");
                cluster = MiniCluster.builder(directory.resolve("cluster")).workers(2).properties(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS))).start();
                clientSettings = pki.trustSettings();
                Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "contract-cluster-stop"));
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cluster;
    }

    /** TLS settings of a client with no certificate of its own: it trusts the cluster's CA. */
    static synchronized Map<String, String> clientSettings() {
        get();
        return clientSettings;
    }
}
