package io.cachet.hdfs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;

/**
 * A real HDFS for tests: a NameNode and DataNodes ({@code MiniDFSCluster}) in this JVM, with data
 * transfer encryption (AES) on when asked, and a root folder for a Cachet cluster's under-file-system.
 */
public final class HdfsCluster implements AutoCloseable {
    private final MiniDFSCluster cluster;
    private final FileSystem fs;
    private final boolean encrypted;

    private HdfsCluster(MiniDFSCluster cluster, boolean encrypted) throws IOException {
        this.cluster = cluster;
        this.fs = cluster.getFileSystem();
        this.encrypted = encrypted;
    }

    /** {@code dataNodes} DataNodes with their storage under {@code directory}; {@code encrypted}: {@code dfs.encrypt.data.transfer} with AES. */
    public static HdfsCluster start(java.nio.file.Path directory, int dataNodes, boolean encrypted) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, directory.toAbsolutePath().toString());
        // Appends and pipelines need as many DataNodes as replicas.
        conf.setInt("dfs.replication", dataNodes);
        if (encrypted) {
            // Encrypted data transfer needs block access tokens; AES/CTR is what a production cluster would set.
            conf.setBoolean("dfs.block.access.token.enable", true);
            conf.setBoolean("dfs.encrypt.data.transfer", true);
            conf.set("dfs.encrypt.data.transfer.cipher.suites", "AES/CTR/NoPadding");
        }
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(dataNodes).build();
        try {
            cluster.waitActive();
            return new HdfsCluster(cluster, encrypted);
        }
        catch (IOException | RuntimeException e) {
            cluster.shutdown(true);
            throw e;
        }
    }

    /** {@code hdfs://localhost:port}: the NameNode. */
    public URI uri() {
        return cluster.getURI();
    }

    /** A new, empty folder {@code path}, as the URI a worker's {@code cachet.worker.ufs.uri} takes. */
    public String newRoot(String path) throws IOException {
        fs.mkdirs(new Path(path));
        return uri() + path;
    }

    public boolean encrypted() {
        return encrypted;
    }

    /** This HDFS as a client of its own sees it, straight, with no cache in between. */
    public FileSystem fileSystem() {
        return fs;
    }

    public byte[] read(String path) throws IOException {
        try (InputStream in = fs.open(new Path(path))) {
            return in.readAllBytes();
        }
    }

    public void write(String path, byte[] content) throws IOException {
        try (OutputStream out = fs.create(new Path(path), true)) {
            out.write(content);
        }
    }

    @Override
    public void close() {
        cluster.shutdown(true);
    }
}
