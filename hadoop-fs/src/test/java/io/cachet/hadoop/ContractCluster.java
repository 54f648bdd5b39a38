package io.cachet.hadoop;

import io.cachet.conf.CachetKeys;
import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One TLS MiniCluster shared by every contract test class of this test JVM, stopped when the JVM exits.
 * With {@code -Dcachet.test.ufs=hdfs} its workers' under-file-system is a real HDFS in this JVM
 * (a MiniDFSCluster that encrypts data transfer), else the cluster's local folder.
 */
final class ContractCluster {
    private static MiniCluster cluster;
    private static Map<String, String> clientSettings;

    private ContractCluster() {}

    static synchronized MiniCluster get() {
        if (cluster == null) {
            try {
                Path directory = Files.createTempDirectory("cachet-contract");
                TestPki pki = TestPki.create(directory, "Contract CA");
                cluster = MiniCluster.builder(directory.resolve("cluster")).workers(2)
                        .properties(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)))
                        .properties(underFileSystem(directory))
                        .start();
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

    private static Map<String, String> underFileSystem(Path directory) throws IOException {
        if (!"hdfs".equals(System.getProperty("cachet.test.ufs"))) {
            return Map.of();
        }
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, directory.resolve("hdfs").toString());
        conf.setInt("dfs.replication", 2);
        conf.setBoolean("dfs.block.access.token.enable", true);
        conf.setBoolean("dfs.encrypt.data.transfer", true);
        conf.set("dfs.encrypt.data.transfer.cipher.suites", "AES/CTR/NoPadding");
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(2).build();
        // Registered before the cluster's hook, so may run first: a worker that finds its HDFS gone only logs.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> hdfs.shutdown(true), "contract-hdfs-stop"));
        hdfs.waitActive();
        hdfs.getFileSystem().mkdirs(new org.apache.hadoop.fs.Path("/cachet"));
        return Map.of(CachetKeys.WORKER_UFS_URI.name(), hdfs.getURI() + "/cachet");
    }
}
