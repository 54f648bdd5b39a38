package io.cachet.benchmarks.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.io.IOException;

/**
 * An HDFS {@link MiniDFSCluster} (a NameNode and DataNodes) in a JVM of its own for the benchmark:
 * prints {@code READY <uri>}, then serves until its standard input closes (the driver stopped or died).
 * Arguments: base directory, DataNode count, {@code encrypted} or {@code plaintext}.
 */
public final class HdfsServer {
    static final String READY = "READY ";

    private HdfsServer() {}

    public static void main(String[] args) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, args[0]);
        int dataNodes = Integer.parseInt(args[1]);
        conf.setInt("dfs.replication", Math.min(dataNodes, 3));
        if (args[2].equals("encrypted")) {
            // Encrypted block transfer with AES (the JDK's AES-NI path), as a secured cluster runs it.
            conf.setBoolean("dfs.block.access.token.enable", true);
            conf.setBoolean("dfs.encrypt.data.transfer", true);
            conf.set("dfs.encrypt.data.transfer.cipher.suites", "AES/CTR/NoPadding");
        }
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(dataNodes).build();
        try {
            cluster.waitActive();
            System.out.println(READY + cluster.getURI());
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the driver closes our standard input
            }
        }
        finally {
            cluster.shutdown(true);
        }
    }
}
