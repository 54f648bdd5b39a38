package io.cachet.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.contract.AbstractFSContract;

import java.io.IOException;
import java.net.URI;

/** Hadoop's FileSystem contract bound to cachet:// on a TLS MiniCluster. */
final class CachetContract extends AbstractFSContract {
    CachetContract(Configuration conf) {
        super(conf);
        addConfResource("contract/cachet.xml");
    }

    @Override
    public void init() throws IOException {
        super.init();
        ContractCluster.clientSettings().forEach(getConf()::set);
    }

    @Override
    public FileSystem getTestFileSystem() throws IOException {
        return FileSystem.get(URI.create("cachet://localhost:" + ContractCluster.get().coordinatorPort() + "/"), getConf());
    }

    @Override
    public String getScheme() {
        return CachetFileSystem.SCHEME;
    }

    @Override
    public Path getTestPath() {
        return new Path("/test");
    }
}
