package io.cachet.worker;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import io.cachet.rpc.ErrorCode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathIsDirectoryException;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.protocol.HdfsFileStatus;
import org.apache.hadoop.ipc.RemoteException;
import org.apache.hadoop.security.AccessControlException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NotDirectoryException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An under-file-system in any Hadoop {@link FileSystem} ({@code hdfs://}, {@code s3a://}, {@code gs://},
 * {@code abfs://}, {@code file://}): the URI's path is the root, and nothing above it is reachable.
 *
 * <p>Client paths pass the same text checks as the local root's ({@link ClientPath}): no {@code .} or
 * {@code ..}, no reserved names. Each maps to the root's path plus its names, built from URI parts so
 * that no name is read as a scheme, an authority, a query or an escape, and the mapped path is checked
 * to be exactly that before any call. Symbolic links are not followed: Hadoop resolves none unless a
 * cluster turns them on, and HDFS refuses {@code ..} in names itself.
 *
 * <p>How a finished write becomes visible depends on the store ({@link Publishing}); in every case a
 * write that fails or is abandoned leaves the previous file as it was.
 */
final class HadoopUfs implements UnderFileSystem {
    private static final Logger log = LoggerFactory.getLogger(HadoopUfs.class);
    private static final String STAGING = ClientPath.TEMPORARY_PREFIX + "writes";
    private static final int COPY_CHUNK = 64 << 10;

    /** How a finished write becomes visible. */
    enum Publishing {
        /** HDFS: a temporary file in the staging folder, then one atomic rename, with or without overwrite. */
        ATOMIC_RENAME("a temporary file renamed into place atomically"),
        /** Object stores (S3A, ABFS, GCS): the object appears when its upload completes; a failed write aborts the upload. */
        UPLOAD_COMPLETION("the store's upload completion (a failed upload is aborted)"),
        /** Other Hadoop file systems: a temporary file, then a rename; an overwrite deletes the old file just before. */
        RENAME("a temporary file renamed into place (an overwrite deletes the old file first)");

        private final String description;

        Publishing(String description) {
            this.description = description;
        }

        static Publishing of(FileSystem fs, Path root) throws IOException {
            if (fs instanceof DistributedFileSystem) {
                return ATOMIC_RENAME;
            }
            // Only a stream that can be aborted may write in place: closing it any other way would publish half a file.
            if (fs.hasPathCapability(root, CommonPathCapabilities.ABORTABLE_STREAM)) {
                return UPLOAD_COMPLETION;
            }
            return RENAME;
        }
    }

    private final FileSystem fs;
    private final Path root;
    private final String rootPath;
    private final String workerId;
    private final Publishing publishing;
    private final PathRefusals refusals = new PathRefusals(HadoopUfs.class);
    /** Temporary files of this worker's writes in progress: the sweep leaves them alone, whatever their age. */
    private final Set<Path> writing = ConcurrentHashMap.newKeySet();

    private HadoopUfs(FileSystem fs, Path root, String workerId, Publishing publishing) {
        this.fs = fs;
        this.root = root;
        this.rootPath = root.toUri().getPath();
        this.workerId = workerId;
        this.publishing = publishing;
    }

    /**
     * The root at {@code location}, with the Hadoop configuration from {@code cachet.worker.ufs.config.resources}
     * and {@code cachet.worker.ufs.conf.*}; it must exist and be a directory.
     */
    static HadoopUfs open(CachetConfig config, String location, String workerId) throws IOException {
        URI uri;
        try {
            uri = new URI(location.trim()).normalize();
        }
        catch (URISyntaxException e) {
            throw new ConfigException("%s=%s is not a URI: %s. Fix: write it as scheme://authority/path, such as hdfs://namenode:8020/warehouse"
                    .formatted(CachetKeys.WORKER_UFS_URI.name(), location, e.getMessage()));
        }
        if (uri.getScheme() == null || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getPath() == null || uri.getPath().contains("/../")
                || uri.getPath().endsWith("/..")) {
            throw new ConfigException("%s=%s is not a file system URI with a scheme and a path. Fix: write it as scheme://authority/path, such as hdfs://namenode:8020/warehouse"
                    .formatted(CachetKeys.WORKER_UFS_URI.name(), location));
        }
        Configuration conf = new Configuration();
        for (String resource : config.get(CachetKeys.WORKER_UFS_CONFIG_RESOURCES)) {
            File file = new File(resource);
            if (!file.isFile() || !file.canRead()) {
                throw new ConfigException("Hadoop configuration file %s (in %s) cannot be read. Fix: point %s at readable core-site.xml/hdfs-site.xml files"
                        .formatted(resource, CachetKeys.WORKER_UFS_CONFIG_RESOURCES.name(), CachetKeys.WORKER_UFS_CONFIG_RESOURCES.name()));
            }
            conf.addResource(new Path(file.toURI()));
        }
        config.underFileSystemProperties().forEach(conf::set);
        FileSystem fs = FileSystem.newInstance(uri, conf);
        try {
            Path root = fs.makeQualified(new Path(uri.getPath().isEmpty() ? "/" : uri.getPath()));
            FileStatus status;
            try {
                status = fs.getFileStatus(root);
            }
            catch (FileNotFoundException e) {
                throw new FileNotFoundException("Under-file-system root %s does not exist. Fix: create it (hadoop fs -mkdir -p %s), or point %s at a directory"
                        .formatted(root, root, CachetKeys.WORKER_UFS_URI.name()));
            }
            if (!status.isDirectory()) {
                throw new FileNotFoundException("Under-file-system root %s is not a directory. Fix: point %s at a directory"
                        .formatted(root, CachetKeys.WORKER_UFS_URI.name()));
            }
            return new HadoopUfs(fs, root, workerId, Publishing.of(fs, root));
        }
        catch (IOException | RuntimeException e) {
            fs.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        return "%s (%s; writes published by %s)".formatted(root, fs.getClass().getSimpleName(), publishing.description);
    }

    Publishing publishing() {
        return publishing;
    }

    @Override
    public io.cachet.client.FileStatus status(String clientPath) throws IOException {
        ClientPath path = parse(clientPath);
        return status(path.normal(), getStatus(path));
    }

    @Override
    public boolean localStatus() {
        // Even file:// goes through Hadoop's layers; hdfs:// and object stores are a network round trip.
        return false;
    }

    @Override
    public FileVersion version(String clientPath) throws IOException {
        ClientPath path = parse(clientPath);
        FileStatus status = getStatus(path);
        if (status.isDirectory()) {
            throw new ErrorCode.IsDirectoryException("Cannot read " + clientPath + ": it is a directory");
        }
        if (!status.isFile()) {
            throw new AccessDeniedException(clientPath, null, "refused: not a regular file; only regular files are served");
        }
        // HDFS gives a replaced file a new inode id; object stores give a new etag; length and time catch the rest.
        StringBuilder identity = new StringBuilder().append(status.getLen()).append('\0').append(status.getModificationTime());
        if (status instanceof HdfsFileStatus hdfs) {
            identity.append("\0id=").append(hdfs.getFileId());
        }
        if (status instanceof EtagSource tagged && tagged.getEtag() != null) {
            identity.append("\0etag=").append(tagged.getEtag());
        }
        return FileVersion.of(path.normal(), status.getLen(), identity.toString());
    }

    @Override
    public List<io.cachet.client.FileStatus> list(String clientPath) throws IOException {
        ClientPath path = parse(clientPath);
        FileStatus[] children;
        try {
            children = fs.listStatus(resolve(path));
        }
        catch (IOException e) {
            throw translate(e, path);
        }
        if (children.length == 1 && !children[0].isDirectory() && children[0].getPath().equals(resolve(path))) {
            return List.of(status(path.normal(), children[0]));
        }
        String prefix = path.isRoot() ? "/" : path.normal() + "/";
        List<io.cachet.client.FileStatus> statuses = new ArrayList<>();
        for (FileStatus child : children) {
            String name = child.getPath().getName();
            if (!name.startsWith(ClientPath.TEMPORARY_PREFIX)) {
                statuses.add(status(prefix + name, child));
            }
        }
        statuses.sort(Comparator.comparing(io.cachet.client.FileStatus::path));
        return statuses;
    }

    @Override
    public boolean mkdirs(String clientPath) throws IOException {
        ClientPath path = parse(clientPath);
        try {
            if (!fs.mkdirs(resolve(path))) {
                throw new IOException("Cannot create directory " + path.normal());
            }
            return true;
        }
        catch (IOException e) {
            IOException translated = translate(e, path);
            if (translated instanceof FileAlreadyExistsException) {
                throw new FileAlreadyExistsException("Cannot create directory " + path.normal() + ": a file is in the way");
            }
            if (translated instanceof NotDirectoryException) {
                throw new NotDirectoryException("A parent of " + path.normal() + " is a file, not a directory");
            }
            throw translated;
        }
    }

    @Override
    public boolean delete(String clientPath, boolean recursive) throws IOException {
        ClientPath path = parse(clientPath);
        try {
            if (path.isRoot()) {
                return deleteRootContent(recursive);
            }
            return fs.delete(resolve(path), recursive);
        }
        catch (FileNotFoundException | ParentNotDirectoryException e) {
            return false;
        }
        catch (IOException e) {
            IOException translated = translate(e, path);
            if (translated instanceof DirectoryNotEmptyException) {
                throw new DirectoryNotEmptyException("Directory " + path.normal() + " is not empty; delete it recursively");
            }
            if (translated instanceof FileNotFoundException || translated instanceof NotDirectoryException) {
                return false;
            }
            throw translated;
        }
    }

    /** Deleting the root empties it; writes in progress, staged under the reserved name, carry on. */
    private boolean deleteRootContent(boolean recursive) throws IOException {
        List<Path> children = new ArrayList<>();
        for (FileStatus child : fs.listStatus(root)) {
            if (!child.getPath().getName().startsWith(ClientPath.TEMPORARY_PREFIX)) {
                children.add(child.getPath());
            }
        }
        if (!children.isEmpty() && !recursive) {
            throw new DirectoryNotEmptyException("Directory / is not empty; delete it recursively");
        }
        for (Path child : children) {
            fs.delete(child, true);
        }
        return true;
    }

    @Override
    public boolean rename(String source, String destination) throws IOException {
        ClientPath from = parse(source);
        ClientPath to = parse(destination);
        if (from.isRoot() || to.normal().startsWith(from.normal() + "/")) {
            return false;
        }
        try {
            if (from.normal().equals(to.normal())) {
                return !getStatus(from).isDirectory();
            }
            // Hadoop's own rename has the HDFS rules: into an existing directory, never over a file, false otherwise.
            return fs.rename(resolve(from), resolve(to));
        }
        catch (FileNotFoundException | ParentNotDirectoryException e) {
            return false;
        }
        catch (IOException e) {
            IOException translated = translate(e, from);
            if (translated instanceof FileNotFoundException || translated instanceof NotDirectoryException || translated instanceof FileAlreadyExistsException) {
                return false;
            }
            throw translated;
        }
    }

    @Override
    public PendingWrite create(String clientPath, boolean overwrite, boolean createParents) throws IOException {
        ClientPath path = parse(clientPath);
        if (path.isRoot()) {
            throw new ErrorCode.IsDirectoryException("Cannot write " + clientPath + ": it is a directory");
        }
        if (createParents) {
            try {
                mkdirs(path.parent());
            }
            catch (FileAlreadyExistsException | NotDirectoryException e) {
                throw new NotDirectoryException("Parent " + path.parent() + " of " + path.normal() + " is a file, not a directory");
            }
        }
        else {
            Optional<FileStatus> parent = findStatus(parse(path.parent()));
            if (parent.isEmpty()) {
                throw new FileNotFoundException("Parent directory of " + path.normal() + " does not exist");
            }
            if (!parent.get().isDirectory()) {
                throw new NotDirectoryException("Parent " + path.parent() + " of " + path.normal() + " is a file, not a directory");
            }
        }
        Optional<FileStatus> existing = findStatus(path);
        if (existing.isPresent() && existing.get().isDirectory()) {
            throw new ErrorCode.IsDirectoryException("Cannot write " + path.normal() + ": it is a directory");
        }
        if (existing.isPresent() && !overwrite) {
            throw new FileAlreadyExistsException("File " + path.normal() + " already exists");
        }
        try {
            if (publishing == Publishing.UPLOAD_COMPLETION) {
                return new UploadedWrite(path, fs.create(resolve(path), overwrite));
            }
            Path temporary = new Path(new Path(root, STAGING), new Path(workerId, UUID.randomUUID().toString()));
            FSDataOutputStream out = fs.create(temporary, false);
            writing.add(temporary);
            return new StagedWrite(path, temporary, out, overwrite);
        }
        catch (IOException e) {
            throw translate(e, path);
        }
    }

    /** Bytes go to a temporary file in the staging folder, renamed into place on commit. */
    private final class StagedWrite implements PendingWrite {
        private final ClientPath path;
        private final Path temporary;
        private final FSDataOutputStream out;
        private final boolean overwrite;
        private final byte[] chunk = new byte[COPY_CHUNK];
        private boolean committed;

        StagedWrite(ClientPath path, Path temporary, FSDataOutputStream out, boolean overwrite) {
            this.path = path;
            this.temporary = temporary;
            this.out = out;
            this.overwrite = overwrite;
        }

        @Override
        public String path() {
            return path.normal();
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            copy(bytes, out, chunk);
        }

        @Override
        public void commit() throws IOException {
            out.close();
            Path target = resolve(path);
            try {
                if (publishing == Publishing.ATOMIC_RENAME) {
                    ((DistributedFileSystem) fs).rename(temporary, target, overwrite ? Options.Rename.OVERWRITE : Options.Rename.NONE);
                }
                else {
                    if (overwrite) {
                        fs.delete(target, false);
                    }
                    if (!fs.rename(temporary, target)) {
                        throw fs.exists(target) ? new FileAlreadyExistsException("File " + path.normal() + " already exists")
                                : new IOException("Cannot publish the write of " + path.normal());
                    }
                }
                committed = true;
            }
            catch (IOException e) {
                IOException translated = translate(e, path);
                if (translated instanceof FileAlreadyExistsException) {
                    throw new FileAlreadyExistsException("File " + path.normal() + " already exists");
                }
                if (translated instanceof FileNotFoundException) {
                    throw new FileNotFoundException("Parent directory of " + path.normal() + " does not exist");
                }
                throw translated;
            }
        }

        @Override
        public void close() {
            writing.remove(temporary);
            if (committed) {
                return;
            }
            try {
                out.close();
                fs.delete(temporary, false);
            }
            catch (IOException e) {
                log.warn("Cannot delete the temporary file of an abandoned write to {}: {} (removed later as abandoned)", path.normal(), e.getMessage());
            }
        }
    }

    /** Bytes go straight to the object, which the store publishes only when the upload completes. */
    private static final class UploadedWrite implements PendingWrite {
        private final ClientPath path;
        private final FSDataOutputStream out;
        private final byte[] chunk = new byte[COPY_CHUNK];
        private boolean committed;

        UploadedWrite(ClientPath path, FSDataOutputStream out) {
            this.path = path;
            this.out = out;
        }

        @Override
        public String path() {
            return path.normal();
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            copy(bytes, out, chunk);
        }

        @Override
        public void commit() throws IOException {
            committed = true;
            out.close();
        }

        @Override
        public void close() {
            if (!committed) {
                out.abort();
            }
        }
    }

    @Override
    public VersionReader open(FileVersion file) throws IOException {
        ClientPath path = parse(file.path());
        FSDataInputStream in;
        try {
            in = fs.open(resolve(path));
        }
        catch (IOException e) {
            throw translate(e, path);
        }
        return new StreamVersionReader(file, path, in);
    }

    /**
     * Reads pages on from where the last one ended, so HDFS streams the block from one DataNode rather than
     * setting up a transfer per page, and the NameNode is asked for the file's blocks once, not per page.
     */
    private final class StreamVersionReader implements VersionReader {
        private static final int COPY_CHUNK = 64 << 10;

        private final FileVersion version;
        private final ClientPath path;
        private final FSDataInputStream in;
        private final boolean intoBuffer;
        private byte[] copy;

        StreamVersionReader(FileVersion version, ClientPath path, FSDataInputStream in) {
            this.version = version;
            this.path = path;
            this.in = in;
            this.intoBuffer = in.hasCapability(StreamCapabilities.READBYTEBUFFER);
        }

        @Override
        public FileVersion version() {
            return version;
        }

        @Override
        public void read(long position, ByteBuffer into) throws IOException {
            try {
                if (in.getPos() != position) {
                    in.seek(position);
                }
                while (into.hasRemaining() && readSome(into) > 0) {
                    // until full or end of file
                }
            }
            catch (EOFException e) {
                // Sought past the end of a file that shrank: a short read, which the caller sees and does not cache.
            }
            catch (IOException e) {
                throw translate(e, path);
            }
        }

        private int readSome(ByteBuffer into) throws IOException {
            if (intoBuffer) {
                return in.read(into);
            }
            if (into.hasArray()) {
                int read = in.read(into.array(), into.arrayOffset() + into.position(), into.remaining());
                if (read > 0) {
                    into.position(into.position() + read);
                }
                return read;
            }
            if (copy == null) {
                copy = new byte[COPY_CHUNK];
            }
            int read = in.read(copy, 0, Math.min(copy.length, into.remaining()));
            if (read > 0) {
                into.put(copy, 0, read);
            }
            return read;
        }

        @Override
        public void close() {
            try {
                in.close();
            }
            catch (IOException e) {
                log.debug("Closing {} failed: {}", version.path(), e.toString());
            }
        }
    }

    @Override
    public void removeAbandonedWrites(Duration age, boolean ownAtAnyAge) throws IOException {
        long cutoff = Instant.now().minus(age).toEpochMilli();
        Path staging = new Path(root, STAGING);
        if (!fs.exists(staging)) {
            return;
        }
        for (FileStatus worker : fs.listStatus(staging)) {
            if (!worker.isDirectory()) {
                continue;
            }
            boolean own = worker.getPath().getName().equals(workerId);
            for (FileStatus file : fs.listStatus(worker.getPath())) {
                if (own && writing.contains(file.getPath())) {
                    continue;
                }
                // An HDFS file still open is being written (its mtime is that of its creation) until its writer's lease ends.
                boolean abandoned = file.getModificationTime() < cutoff && !(fs instanceof DistributedFileSystem dfs && !dfs.isFileClosed(file.getPath()));
                if ((own && ownAtAnyAge) || abandoned) {
                    fs.delete(file.getPath(), true);
                    log.info("Removed the temporary file of an abandoned write: {}/{}/{}", STAGING, worker.getPath().getName(), file.getPath().getName());
                }
            }
        }
    }

    @Override
    public String clientMessage(IOException error) {
        String message = String.valueOf(error.getMessage()).replace(root.toString(), "");
        return rootPath.equals("/") ? message : message.replace(rootPath + "/", "/").replace(rootPath, "/");
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }

    // ---- paths

    private ClientPath parse(String clientPath) throws AccessDeniedException {
        return ClientPath.parse(clientPath, refusals);
    }

    /**
     * The Hadoop path of a checked client path. Built from URI parts (the constructor quotes {@code %},
     * {@code ?}, {@code #} and {@code :} in a path, so a name is only ever a name), then checked to decode
     * to exactly the root plus the names.
     */
    private Path resolve(ClientPath path) throws AccessDeniedException {
        if (path.isRoot()) {
            return root;
        }
        String expected = (rootPath.equals("/") ? "" : rootPath) + path.normal();
        Path resolved;
        try {
            URI rootUri = root.toUri();
            resolved = new Path(new URI(rootUri.getScheme(), rootUri.getAuthority(), expected, null, null));
        }
        catch (URISyntaxException | IllegalArgumentException e) {
            throw refusals.refuse(path.text(), "the path is not a valid name in this file system");
        }
        if (!expected.equals(resolved.toUri().getPath()) || !root.toUri().getScheme().equals(resolved.toUri().getScheme())) {
            throw refusals.refuse(path.text(), "the path does not map to a place under the root");
        }
        return resolved;
    }

    private FileStatus getStatus(ClientPath path) throws IOException {
        try {
            return fs.getFileStatus(resolve(path));
        }
        catch (FileNotFoundException | ParentNotDirectoryException e) {
            throw new FileNotFoundException("File " + path.normal() + " does not exist");
        }
        catch (IOException e) {
            IOException translated = translate(e, path);
            if (translated instanceof FileNotFoundException || translated instanceof NotDirectoryException) {
                throw new FileNotFoundException("File " + path.normal() + " does not exist");
            }
            throw translated;
        }
    }

    private Optional<FileStatus> findStatus(ClientPath path) throws IOException {
        try {
            return Optional.of(getStatus(path));
        }
        catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    private static io.cachet.client.FileStatus status(String clientPath, FileStatus status) {
        return new io.cachet.client.FileStatus(clientPath, status.isDirectory() ? 0 : status.getLen(), status.isDirectory(), status.getModificationTime());
    }

    /** Hadoop's exceptions (and HDFS's remote ones) as the {@code java.nio.file} ones that {@code ErrorCode.of} maps, in client terms. */
    private IOException translate(IOException error, ClientPath path) {
        IOException cause = error instanceof RemoteException remote ? remote.unwrapRemoteException() : error;
        String message = clientMessage(cause);
        if (cause instanceof org.apache.hadoop.fs.FileAlreadyExistsException) {
            return new FileAlreadyExistsException(message);
        }
        if (cause instanceof ParentNotDirectoryException) {
            return new NotDirectoryException(message);
        }
        if (cause instanceof PathIsNotEmptyDirectoryException) {
            return new DirectoryNotEmptyException(message);
        }
        if (cause instanceof PathIsDirectoryException) {
            return new ErrorCode.IsDirectoryException(message);
        }
        if (cause instanceof AccessControlException) {
            return new AccessDeniedException(path.normal(), null, "the under-file-system refused it: " + message);
        }
        return cause;
    }

    private static void copy(ByteBuffer bytes, FSDataOutputStream out, byte[] chunk) throws IOException {
        if (bytes.hasArray()) {
            out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
            bytes.position(bytes.limit());
            return;
        }
        while (bytes.hasRemaining()) {
            int count = Math.min(bytes.remaining(), chunk.length);
            bytes.get(chunk, 0, count);
            out.write(chunk, 0, count);
        }
    }
}
