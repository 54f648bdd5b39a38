package io.cachet.hadoop;

import io.cachet.client.CachetClient;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import io.cachet.routing.WorkerAddress;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.GlobalStorageStatistics;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.impl.PathCapabilitiesSupport;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.fs.statistics.IOStatistics;
import org.apache.hadoop.fs.statistics.IOStatisticsSource;
import org.apache.hadoop.util.Progressable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code cachet://coordinator-host:port/path}: Cachet as a Hadoop FileSystem. The URI's authority
 * names the coordinator; {@code cachet:///path} uses {@code cachet.coordinator.address}. Every
 * {@code cachet.*} key of the Hadoop Configuration (core-site.xml, {@code spark.hadoop.cachet.*})
 * overrides JVM system properties and the site file. Nothing touches the network before
 * {@link #initialize}.
 */
public class CachetFileSystem extends FileSystem implements IOStatisticsSource {
    public static final String SCHEME = "cachet";
    private static final String BLOCK_SIZE_KEY = "fs.cachet.block.size";
    private static final long DEFAULT_BLOCK_SIZE = 128L << 20;
    private static final Logger log = LoggerFactory.getLogger(CachetFileSystem.class);

    private final AtomicBoolean permissionsIgnoredSaid = new AtomicBoolean();

    private URI uri;
    private Path workingDirectory;
    private CachetClient client;
    private long blockSize;
    private String user;
    private FsPermission directoryPermission;
    private FsPermission filePermission;

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        setConf(conf);
        Map<String, String> properties = new HashMap<>();
        for (Map.Entry<String, String> entry : conf) {
            if (entry.getKey().startsWith(CachetKeys.PREFIX)) {
                // get() applies Hadoop's variable expansion, as every other Hadoop setting gets.
                properties.put(entry.getKey(), conf.get(entry.getKey()));
            }
        }
        if (name.getHost() != null) {
            properties.put(CachetKeys.COORDINATOR_ADDRESS.name(), name.getHost() + ":" + (name.getPort() > 0 ? name.getPort() : getDefaultPort()));
        }
        this.uri = URI.create(SCHEME + "://" + (name.getAuthority() == null ? "/" : name.getAuthority()));
        CachetStorageStatistics jvmStatistics = (CachetStorageStatistics) GlobalStorageStatistics.INSTANCE.put(CachetStorageStatistics.NAME, CachetStorageStatistics::new);
        try {
            this.client = CachetClient.connect(CachetConfig.builder().engineProperties("Hadoop Configuration", properties).build(), jvmStatistics.metrics());
        }
        catch (ConfigException e) {
            // Hadoop callers (FsShell, engines) expect an IOException from FileSystem.get: keep the message, which says what to fix.
            throw new IOException(e.getMessage(), e);
        }
        this.blockSize = conf.getLong(BLOCK_SIZE_KEY, DEFAULT_BLOCK_SIZE);
        this.user = System.getProperty("user.name", "cachet");
        // Cachet keeps no permissions: report what a new file or directory would get here, as local file systems do.
        FsPermission umask = FsPermission.getUMask(conf);
        this.directoryPermission = FsPermission.getDirDefault().applyUMask(umask);
        this.filePermission = FsPermission.getFileDefault().applyUMask(umask);
        this.workingDirectory = makeQualified(new Path("/user", user));
    }

    @Override
    public URI getUri() {
        return uri;
    }

    @Override
    protected int getDefaultPort() {
        return CachetKeys.COORDINATOR_RPC_PORT.defaultValue().orElseThrow();
    }

    @Override
    public String getCanonicalServiceName() {
        // No delegation tokens: authentication is TLS.
        return null;
    }

    @Override
    public FSDataInputStream open(Path path, int bufferSize) throws IOException {
        statistics.incrementReadOps(1);
        try {
            return new FSDataInputStream(new CachetFSInputStream(client.open(pathOf(path)), statistics));
        }
        catch (IOException e) {
            throw HadoopExceptions.translateOpen(e);
        }
    }

    @Override
    public FSDataOutputStream create(Path path, FsPermission permission, boolean overwrite, int bufferSize, short replication, long blockSize,
            Progressable progress) throws IOException {
        return create(path, overwrite, true);
    }

    @Override
    public FSDataOutputStream createNonRecursive(Path path, FsPermission permission, EnumSet<CreateFlag> flags, int bufferSize, short replication,
            long blockSize, Progressable progress) throws IOException {
        return create(path, flags.contains(CreateFlag.OVERWRITE), false);
    }

    private FSDataOutputStream create(Path path, boolean overwrite, boolean createParents) throws IOException {
        statistics.incrementWriteOps(1);
        String target = pathOf(path);
        try {
            return new FSDataOutputStream(new CachetFSOutputStream(client.create(target, overwrite, createParents), target), statistics);
        }
        catch (IOException e) {
            throw HadoopExceptions.translateCreate(e);
        }
    }

    @Override
    public FSDataOutputStream append(Path path, int bufferSize, Progressable progress) {
        throw new UnsupportedOperationException("Append is not supported by cachet://: files are written whole and are immutable once closed (" + path + ")");
    }

    @Override
    public boolean rename(Path source, Path destination) throws IOException {
        statistics.incrementWriteOps(1);
        try {
            return client.rename(pathOf(source), pathOf(destination));
        }
        catch (IOException e) {
            throw HadoopExceptions.translate(e);
        }
    }

    @Override
    public boolean delete(Path path, boolean recursive) throws IOException {
        statistics.incrementWriteOps(1);
        try {
            return client.delete(pathOf(path), recursive);
        }
        catch (IOException e) {
            throw HadoopExceptions.translate(e);
        }
    }

    @Override
    public FileStatus[] listStatus(Path path) throws IOException {
        statistics.incrementReadOps(1);
        try {
            return client.list(pathOf(path)).stream().map(this::toHadoop).toArray(FileStatus[]::new);
        }
        catch (IOException e) {
            throw HadoopExceptions.translate(e);
        }
    }

    @Override
    public void setWorkingDirectory(Path directory) {
        workingDirectory = makeQualified(directory);
    }

    @Override
    public Path getWorkingDirectory() {
        return workingDirectory;
    }

    @Override
    public boolean mkdirs(Path path, FsPermission permission) throws IOException {
        statistics.incrementWriteOps(1);
        try {
            return client.mkdirs(pathOf(path));
        }
        catch (java.nio.file.FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException("Cannot create directory " + path + ": a file is in the way");
        }
        catch (IOException e) {
            throw HadoopExceptions.translate(e);
        }
    }

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        statistics.incrementReadOps(1);
        Path qualified = makeQualified(path);
        try {
            String asked = clientPath(qualified);
            io.cachet.client.FileStatus status = client.status(asked);
            // The path asked for, already qualified, when it is spelled as this file system's own (parsing it again is a tenth of the call's CPU).
            return status.path().equals(asked) && isCanonical(qualified) ? toHadoop(status, qualified) : toHadoop(status);
        }
        catch (IOException e) {
            throw HadoopExceptions.translate(e);
        }
    }

    /** One block per file, on the worker that owns it, so engines schedule tasks next to its cache. */
    @Override
    public BlockLocation[] getFileBlockLocations(FileStatus file, long start, long length) throws IOException {
        if (file == null) {
            return null;
        }
        if (start < 0 || length < 0) {
            throw new IllegalArgumentException("Invalid start or length: " + start + ", " + length);
        }
        if (file.getLen() <= start) {
            return new BlockLocation[0];
        }
        WorkerAddress owner = client.owner(pathOf(file.getPath()));
        return new BlockLocation[] {new BlockLocation(new String[] {owner.host() + ":" + owner.dataPort()}, new String[] {owner.host()}, 0, file.getLen())};
    }

    /**
     * Accepted and ignored, as by Hadoop's object stores: Cachet keeps no permissions (access is controlled
     * by TLS client authentication), and engines set them after every mkdirs (Trino's Hive and Iceberg
     * connectors do), so refusing would make cachet:// unusable there. {@code FS_PERMISSIONS} stays false
     * for callers that need to know.
     */
    @Override
    public void setPermission(Path path, FsPermission permission) throws IOException {
        getFileStatus(path);
        if (permissionsIgnoredSaid.compareAndSet(false, true)) {
            log.info("cachet:// keeps no permissions: setPermission({}, {}) and later calls are ignored; access is controlled by TLS client authentication",
                    path, permission);
        }
    }

    @Override
    public void setOwner(Path path, String username, String groupname) {
        throw new UnsupportedOperationException("Owners are not supported by cachet://: access is controlled by TLS client authentication (" + path + ")");
    }

    @Override
    public boolean hasPathCapability(Path path, String capability) throws IOException {
        return switch (PathCapabilitiesSupport.validatePathCapabilityArgs(makeQualified(path), capability).toLowerCase(Locale.ROOT)) {
            case CommonPathCapabilities.FS_APPEND, CommonPathCapabilities.FS_PERMISSIONS, CommonPathCapabilities.FS_ACLS, CommonPathCapabilities.FS_XATTRS,
                    CommonPathCapabilities.FS_CONCAT, CommonPathCapabilities.FS_SNAPSHOTS, CommonPathCapabilities.FS_SYMLINKS, CommonPathCapabilities.FS_TRUNCATE,
                    CommonPathCapabilities.FS_CHECKSUMS, CommonPathCapabilities.FS_PATHHANDLES, CommonPathCapabilities.FS_MULTIPART_UPLOADER,
                    CommonPathCapabilities.FS_STORAGEPOLICY, CommonPathCapabilities.ETAGS_AVAILABLE -> false;
            default -> super.hasPathCapability(path, capability);
        };
    }

    /** Counters of every CachetFileSystem in this JVM (they share one set, as Hadoop's storage statistics do). */
    @Override
    public IOStatistics getIOStatistics() {
        return CachetStorageStatistics.ioStatistics(client.metrics());
    }

    /** The client behind this FileSystem, for engines that publish its metrics. */
    public CachetClient client() {
        return client;
    }

    @Override
    public void close() throws IOException {
        try {
            super.close();
        }
        finally {
            if (client != null) {
                client.close();
            }
        }
    }

    private String pathOf(Path path) {
        return clientPath(makeQualified(path));
    }

    /** Whether {@code qualified} is what qualifying its path part would give: this file system's scheme and authority as spelled here, no fragment. */
    private boolean isCanonical(Path qualified) {
        URI uri = qualified.toUri();
        return uri.getFragment() == null && Objects.equals(uri.getScheme(), getUri().getScheme()) && Objects.equals(uri.getAuthority(), getUri().getAuthority());
    }

    private static String clientPath(Path qualified) {
        String pathPart = qualified.toUri().getPath();
        return pathPart.isEmpty() ? "/" : pathPart;
    }

    private FileStatus toHadoop(io.cachet.client.FileStatus status) {
        return toHadoop(status, makeQualified(new Path(status.path())));
    }

    private FileStatus toHadoop(io.cachet.client.FileStatus status, Path qualified) {
        return new FileStatus(status.length(), status.directory(), 1, status.directory() ? 0 : blockSize, status.modificationTime(), status.modificationTime(),
                status.directory() ? directoryPermission : filePermission, user, user, qualified);
    }

}
