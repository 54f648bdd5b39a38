package io.cachet.worker;

import io.cachet.client.FileStatus;
import io.cachet.conf.CachetKeys;
import io.cachet.rpc.ErrorCode;
import io.cachet.worker.OpenDirectories.Directory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The under-file-system: a local directory shared by all workers, and nothing outside it.
 *
 * <p>Every client path is checked as text (no {@code ..} or {@code .} segments, no NUL, control
 * characters or backslashes, no over-long names, no reserved {@code .cachet-tmp-} names) and then
 * walked one name at a time from the root with {@link SecureDirectoryStream}: each directory is opened
 * relative to the one before with {@code NOFOLLOW_LINKS}, and the last name is opened, read, renamed
 * or deleted relative to its open parent. The kernel never resolves a path here, so swapping a
 * directory for a symbolic link between a check and its use cannot lead out of the root. A symbolic
 * link is followed only by reading its text and walking that, confined the same way, from the root;
 * one that leads out is refused. Listings never follow links: a link shows as what it points to
 * inside the root, and a link that leads out (or dangles) is left out.
 *
 * <p>The root, and the directories walks pass through ({@link OpenDirectories}), stay open for the
 * walks after them; a kept directory stands in for its name only while the name, looked at without
 * following links, is still that directory.
 *
 * <p>Writes go to {@code /.cachet-tmp-writes/<worker>/} first and are renamed into place relative to
 * the open target directory, so a reader sees the old file or the new one, never half of one, and no
 * temporary file can be read by name. A worker removes its own leftovers at start (a crash leaves
 * them) and everyone's older than {@code cachet.worker.abandoned.write.age} periodically.
 */
final class UfsRoot implements UnderFileSystem {
    private static final Logger log = LoggerFactory.getLogger(UfsRoot.class);
    private static final String TEMPORARY_PREFIX = ClientPath.TEMPORARY_PREFIX;
    private static final String STAGING = TEMPORARY_PREFIX + "writes";
    private static final int MAX_LINK_HOPS = 40;
    private static final Path HERE = Path.of(".");

    private final Path root;
    /** Held open while the worker runs: every walk starts here, which spares each status and read an open and a close of the root. */
    private final Directory walkRoot;
    /** The directories below it that walks pass through, kept open likewise. */
    private final OpenDirectories directories = new OpenDirectories(OpenDirectories.MAX_KEPT);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String workerId;
    private final PathRefusals refusals = new PathRefusals(UfsRoot.class);
    /** Non-overwriting commits check and rename under this lock, so two creators on this worker cannot both win. */
    private final Object commits = new Object();
    /** This worker's writes set up its staging folder one at a time (see openStaging). */
    private final Object stagingLock = new Object();

    private UfsRoot(Path root, Directory walkRoot, String workerId) {
        this.root = root;
        this.walkRoot = walkRoot;
        this.workerId = workerId;
    }

    /** The root from a {@code file://} URI or a plain directory path; it must exist, on a file system with race-free directory access. */
    static UfsRoot of(String location, String workerId) throws IOException {
        Path directory = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
        if (!Files.isDirectory(directory)) {
            throw new FileNotFoundException("Under-file-system root %s is not a directory. Fix: create it, or point %s at one".formatted(directory, CachetKeys.WORKER_UFS_ROOT.name()));
        }
        Path real = directory.toRealPath();
        DirectoryStream<Path> stream = Files.newDirectoryStream(real);
        if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
            stream.close();
            throw new IOException(("Under-file-system root %s is on a file system without race-free directory access (SecureDirectoryStream), "
                    + "so paths could be led out of it. Fix: put the root on a local Linux file system").formatted(real));
        }
        return new UfsRoot(real, Directory.of(secure), workerId);
    }

    @Override
    public String describe() {
        return root + " (local, writes renamed into place)";
    }

    @Override
    public FileStatus status(String clientPath) throws IOException {
        try (Entry entry = locateExisting(clientPath)) {
            return status(clientPath, entry.attributesAsWalked().orElseThrow(() -> notFound(clientPath)));
        }
    }

    @Override
    public boolean localStatus() {
        return true;
    }

    @Override
    public FileVersion version(String clientPath) throws IOException {
        BasicFileAttributes attributes = attributes(clientPath);
        if (attributes.isDirectory()) {
            throw new ErrorCode.IsDirectoryException("Cannot read " + clientPath + ": it is a directory");
        }
        if (!attributes.isRegularFile()) {
            // A FIFO or a device would block the reader or never end.
            throw new AccessDeniedException(clientPath, null, "refused: not a regular file; only regular files are served");
        }
        return FileVersion.of(clientPath, attributes.size(), attributes.size() + "\0" + attributes.lastModifiedTime().toMillis() + '\0'
                + attributes.lastModifiedTime().toInstant().getNano() + '\0' + attributes.fileKey());
    }

    /** The attributes of the file (or directory) at {@code clientPath}, links inside the root followed. */
    private BasicFileAttributes attributes(String clientPath) throws IOException {
        try (Entry entry = locateExisting(clientPath)) {
            return entry.attributesAsWalked().orElseThrow(() -> notFound(clientPath));
        }
    }

    @Override
    public List<FileStatus> list(String clientPath) throws IOException {
        try (Entry entry = locateExisting(clientPath)) {
            BasicFileAttributes attributes = entry.attributesAsWalked().orElseThrow(() -> notFound(clientPath));
            if (!attributes.isDirectory()) {
                return List.of(status(clientPath, attributes));
            }
            String prefix = clientPath.endsWith("/") ? clientPath : clientPath + "/";
            List<FileStatus> statuses = new ArrayList<>();
            try (SecureDirectoryStream<Path> directory = entry.openDirectory()) {
                List<String> names = new ArrayList<>();
                directory.forEach(child -> names.add(child.getFileName().toString()));
                names.sort(null);
                for (String name : names) {
                    if (name.startsWith(TEMPORARY_PREFIX)) {
                        continue;
                    }
                    Optional<BasicFileAttributes> child = attributes(directory, Path.of(name));
                    try {
                        if (child.isPresent() && child.get().isSymbolicLink()) {
                            child = Optional.of(attributes(prefix + name));
                        }
                    }
                    catch (NoSuchFileException | FileNotFoundException | NotDirectoryException | AccessDeniedException e) {
                        // a link that leads out or dangles: not shown
                        continue;
                    }
                    // empty: deleted while listing
                    child.ifPresent(found -> statuses.add(status(prefix + name, found)));
                }
            }
            return statuses;
        }
    }

    @Override
    public boolean mkdirs(String clientPath) throws IOException {
        List<String> names = names(clientPath);
        for (int depth = 1; depth <= names.size(); depth++) {
            String prefix = "/" + String.join("/", names.subList(0, depth));
            for (int attempt = 1; ; attempt++) {
                try (Entry entry = locate(prefix, true)) {
                    Optional<BasicFileAttributes> attributes = entry.attributes();
                    if (attributes.isPresent() && !attributes.get().isDirectory()) {
                        throw depth == names.size()
                                ? new FileAlreadyExistsException("Cannot create directory " + clientPath + ": a file is in the way")
                                : new NotDirectoryException("Parent " + prefix + " of " + clientPath + " is a file, not a directory");
                    }
                    if (attributes.isEmpty()) {
                        createDirectoryIn(entry);
                    }
                    break;
                }
                catch (NoSuchFileException e) {
                    // A writer creating the same folders at the same time replaced the (empty) parent held here: walk again.
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
        }
        return true;
    }

    @Override
    public boolean delete(String clientPath, boolean recursive) throws IOException {
        // The link itself is deleted, never what it points to.
        Entry located;
        try {
            located = locate(clientPath, false);
        }
        catch (NotDirectoryException | FileNotFoundException e) {
            return false;
        }
        try (Entry entry = located) {
            if (entry.isRoot()) {
                return deleteRootContent(clientPath, recursive);
            }
            Optional<BasicFileAttributes> attributes = entry.attributes();
            if (attributes.isEmpty()) {
                return false;
            }
            if (!attributes.get().isDirectory()) {
                entry.parent.deleteFile(entry.name);
                return true;
            }
            try (SecureDirectoryStream<Path> directory = entry.openDirectory()) {
                if (directory.iterator().hasNext() && !recursive) {
                    throw new DirectoryNotEmptyException("Directory " + clientPath + " is not empty; delete it recursively");
                }
            }
            deleteTree(entry.parent, entry.name);
            return true;
        }
    }

    /** Deleting the root empties it (as HDFS does); writes in progress, staged under the reserved name, carry on. */
    private boolean deleteRootContent(String clientPath, boolean recursive) throws IOException {
        try (SecureDirectoryStream<Path> rootDirectory = openRoot()) {
            List<Path> children = new ArrayList<>();
            rootDirectory.forEach(child -> {
                if (!child.getFileName().toString().startsWith(TEMPORARY_PREFIX)) {
                    children.add(child.getFileName());
                }
            });
            if (!children.isEmpty() && !recursive) {
                throw new DirectoryNotEmptyException("Directory " + clientPath + " is not empty; delete it recursively");
            }
            for (Path child : children) {
                deleteTree(rootDirectory, child);
            }
            return true;
        }
    }

    @Override
    public boolean rename(String source, String destination) throws IOException {
        try (Entry from = locate(source, false); Entry target = locate(destination, true)) {
            if (from.isRoot() || from.attributes().isEmpty()) {
                return false;
            }
            if (from.clientPath.equals(target.clientPath)) {
                return !from.attributes().get().isDirectory();
            }
            Optional<BasicFileAttributes> targetAttributes = target.attributes();
            if (targetAttributes.isPresent() && targetAttributes.get().isDirectory()) {
                try (SecureDirectoryStream<Path> into = target.openDirectory()) {
                    String intoPath = (target.clientPath.equals("/") ? "" : target.clientPath) + "/" + from.name;
                    return move(from, into, from.name, intoPath);
                }
            }
            if (targetAttributes.isPresent() || target.isRoot()) {
                return false;
            }
            return move(from, target.parent, target.name, target.clientPath);
        }
        catch (NotDirectoryException | NoSuchFileException | FileNotFoundException e) {
            // the destination's parent is missing or a file
            return false;
        }
    }

    private static boolean move(Entry from, SecureDirectoryStream<Path> directory, Path name, String clientPath) throws IOException {
        if (clientPath.startsWith(from.clientPath + "/") || exists(directory, name)) {
            return false;
        }
        from.parent.move(from.name, directory, name);
        return true;
    }

    /** A new, empty temporary file for a write to {@code clientPath}, after the create checks. */
    @Override
    public PendingWrite create(String clientPath, boolean overwrite, boolean createParents) throws IOException {
        List<String> names = names(clientPath);
        if (names.isEmpty()) {
            throw new ErrorCode.IsDirectoryException("Cannot write " + clientPath + ": it is a directory");
        }
        if (createParents && names.size() > 1) {
            String parent = "/" + String.join("/", names.subList(0, names.size() - 1));
            try {
                mkdirs(parent);
            }
            catch (FileAlreadyExistsException e) {
                throw new NotDirectoryException("Parent " + parent + " of " + clientPath + " is a file, not a directory");
            }
        }
        Entry target;
        try {
            target = locate(clientPath, true);
        }
        catch (NoSuchFileException | FileNotFoundException e) {
            throw new FileNotFoundException("Parent directory of " + clientPath + " does not exist");
        }
        try {
            Optional<BasicFileAttributes> attributes = target.attributes();
            if (attributes.isPresent() && attributes.get().isDirectory()) {
                throw new ErrorCode.IsDirectoryException("Cannot write " + clientPath + ": it is a directory");
            }
            if (!overwrite && attributes.isPresent()) {
                throw new FileAlreadyExistsException("File " + clientPath + " already exists");
            }
            SecureDirectoryStream<Path> staging = openStaging();
            try {
                Path name = Path.of(UUID.randomUUID().toString());
                SeekableByteChannel channel = staging.newByteChannel(name,
                        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
                return new StagedWrite(target, staging, name, channel, overwrite);
            }
            catch (IOException | RuntimeException e) {
                staging.close();
                throw e;
            }
        }
        catch (IOException | RuntimeException e) {
            target.close();
            throw e;
        }
    }

    /**
     * A write in progress: bytes go to a temporary file in the staging directory, which {@link #commit}
     * renames into the target directory (held open since the checks) in one step, and {@link #abort} deletes.
     */
    private final class StagedWrite implements PendingWrite {
        private Entry target;
        private final SecureDirectoryStream<Path> staging;
        private final Path name;
        private final SeekableByteChannel channel;
        private final boolean overwrite;
        private boolean finished;

        private StagedWrite(Entry target, SecureDirectoryStream<Path> staging, Path name, SeekableByteChannel channel, boolean overwrite) {
            this.target = target;
            this.staging = staging;
            this.name = name;
            this.channel = channel;
            this.overwrite = overwrite;
        }

        @Override
        public String path() {
            return target.clientPath;
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }

        /** Moves the finished file into place, relative to the target directory held open since the checks. */
        @Override
        public void commit() throws IOException {
            channel.close();
            for (int attempt = 1; ; attempt++) {
                try {
                    publish();
                    finished = true;
                    return;
                }
                catch (NoSuchFileException e) {
                    // Two writers that create the same missing folder race; the later rename replaces the earlier, still empty,
                    // folder, so the one held here may be gone. Nothing was in it: move into the folder now at that path.
                    if (attempt == 3 || !exists(staging, name)) {
                        throw e;
                    }
                    Entry current = locate(target.clientPath, true);
                    target.close();
                    target = current;
                }
            }
        }

        private void publish() throws IOException {
            if (overwrite) {
                staging.move(name, target.parent, target.name);
                return;
            }
            synchronized (commits) {
                if (exists(target.parent, target.name)) {
                    throw new FileAlreadyExistsException("File " + target.clientPath + " already exists");
                }
                staging.move(name, target.parent, target.name);
            }
        }

        /** Deletes the temporary file; the previous file, if any, is untouched. */
        private void abort() {
            try {
                channel.close();
                staging.deleteFile(name);
            }
            catch (NoSuchFileException e) {
                // never created, or already moved
            }
            catch (IOException e) {
                log.warn("Cannot delete the temporary file of an abandoned write to {}: {} (removed later as abandoned)", target.clientPath, e.getMessage());
            }
            finished = true;
        }

        @Override
        public void close() {
            if (!finished) {
                abort();
            }
            closeQuietly(staging);
            target.close();
        }
    }

    @Override
    public VersionReader open(FileVersion file) throws IOException {
        SeekableByteChannel channel;
        try (Entry entry = locateExisting(file.path())) {
            channel = entry.parent.newByteChannel(entry.name, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        }
        catch (NoSuchFileException e) {
            throw notFound(file.path());
        }
        return new LocalVersionReader(file, channel);
    }

    private static final class LocalVersionReader implements VersionReader {
        private final FileVersion version;
        private final SeekableByteChannel channel;

        LocalVersionReader(FileVersion version, SeekableByteChannel channel) {
            this.version = version;
            this.channel = channel;
        }

        @Override
        public FileVersion version() {
            return version;
        }

        @Override
        public void read(long position, ByteBuffer into) throws IOException {
            channel.position(position);
            while (into.hasRemaining() && channel.read(into) >= 0) {
                // until full or end of file
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            }
            catch (IOException e) {
                log.debug("Closing {} failed: {}", version.path(), e.toString());
            }
        }
    }

    @Override
    public void removeAbandonedWrites(Duration age, boolean ownAtAnyAge) throws IOException {
        Instant cutoff = Instant.now().minus(age);
        try (SecureDirectoryStream<Path> rootDirectory = openRoot()) {
            // Directories made for mkdirs that a crash left before they were moved into place.
            List<Path> made = new ArrayList<>();
            rootDirectory.forEach(entry -> {
                if (entry.getFileName().toString().startsWith(TEMPORARY_PREFIX + "dir-")) {
                    made.add(entry.getFileName());
                }
            });
            for (Path directory : made) {
                Optional<BasicFileAttributes> attributes = attributes(rootDirectory, directory);
                if (attributes.isPresent() && attributes.get().lastModifiedTime().toInstant().isBefore(cutoff)) {
                    deleteTree(rootDirectory, directory);
                }
            }
            if (!exists(rootDirectory, Path.of(STAGING))) {
                return;
            }
            try (SecureDirectoryStream<Path> staging = rootDirectory.newDirectoryStream(Path.of(STAGING), LinkOption.NOFOLLOW_LINKS)) {
                List<Path> workers = new ArrayList<>();
                staging.forEach(worker -> workers.add(worker.getFileName()));
                for (Path worker : workers) {
                    boolean own = ownAtAnyAge && worker.toString().equals(workerId);
                    try (SecureDirectoryStream<Path> writes = staging.newDirectoryStream(worker, LinkOption.NOFOLLOW_LINKS)) {
                        List<Path> files = new ArrayList<>();
                        writes.forEach(file -> files.add(file.getFileName()));
                        for (Path file : files) {
                            BasicFileAttributes attributes = writes.getFileAttributeView(file, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
                            if (own || attributes.lastModifiedTime().toInstant().isBefore(cutoff)) {
                                deleteTree(writes, file);
                                log.info("Removed the temporary file of an abandoned write: {}/{}/{}", STAGING, worker, file);
                            }
                        }
                    }
                    catch (NotDirectoryException | NoSuchFileException e) {
                        // not a worker's folder, or gone
                    }
                }
            }
        }
    }

    @Override
    public String clientMessage(IOException error) {
        String message = String.valueOf(error.getMessage());
        return message.replace(root.toString(), "");
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            directories.close();
            walkRoot.release();
        }
    }

    // ---- walking

    /**
     * An entry reached from the root without the kernel resolving any path: its open parent directory
     * and its name. It need not exist. The root itself has no parent: {@code parent} is the root and
     * {@code name} is ".".
     */
    private final class Entry implements Closeable {
        /** Held by this entry until it is closed. */
        private final Directory directory;
        final SecureDirectoryStream<Path> parent;
        final Path name;
        /** The path after links: the entry's place inside the root. */
        final String clientPath;
        /** Its attributes as the walk that reached it read them; null when the walk did not read them. */
        private final Optional<BasicFileAttributes> walked;

        Entry(Directory directory, Path name, String clientPath) {
            this(directory, name, clientPath, null);
        }

        private Entry(Directory directory, Path name, String clientPath, Optional<BasicFileAttributes> walked) {
            this.directory = directory;
            this.parent = directory.stream;
            this.name = name;
            this.clientPath = clientPath;
            this.walked = walked;
        }

        boolean isRoot() {
            return name.equals(HERE);
        }

        /** The entry's own attributes (a link is a link); empty when it does not exist. */
        Optional<BasicFileAttributes> attributes() throws IOException {
            if (isRoot()) {
                return Optional.of(parent.getFileAttributeView(BasicFileAttributeView.class).readAttributes());
            }
            return UfsRoot.attributes(parent, name);
        }

        /** As the walk read them a moment ago, for answers that need no fresher look; read now when it did not. */
        Optional<BasicFileAttributes> attributesAsWalked() throws IOException {
            return walked != null ? walked : attributes();
        }

        SecureDirectoryStream<Path> openDirectory() throws IOException {
            return isRoot() ? openRoot() : parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public void close() {
            directory.release();
        }
    }

    /** {@link #locate} with links followed, for reads: a path under a file does not exist (as in HDFS). */
    private Entry locateExisting(String clientPath) throws IOException {
        try {
            return locate(clientPath, true);
        }
        catch (NotDirectoryException e) {
            throw notFound(clientPath);
        }
    }

    /**
     * Walks {@code clientPath} from the root. Links on the way are followed by their text, confined to
     * the root; the last name's link is followed only when {@code followLast}. Every directory but the
     * last one reached must exist.
     */
    private Entry locate(String clientPath, boolean followLast) throws IOException {
        Deque<String> pending = new ArrayDeque<>(names(clientPath));
        List<String> walked = new ArrayList<>();
        Directory directory = acquireRoot();
        int hops = 0;
        try {
            while (true) {
                if (pending.isEmpty()) {
                    // The root itself, asked for or reached through a link to it ("/l -> .").
                    Entry rootEntry = new Entry(directory, HERE, "/");
                    directory = null;
                    return rootEntry;
                }
                String name = pending.removeFirst();
                boolean last = pending.isEmpty();
                Path entry = Path.of(name);
                Optional<BasicFileAttributes> attributes;
                try {
                    attributes = attributes(directory.stream, entry);
                }
                catch (IOException e) {
                    directories.drop(directory);
                    throw e;
                }
                if (attributes.isPresent() && attributes.get().isSymbolicLink() && (!last || followLast)) {
                    if (++hops > MAX_LINK_HOPS) {
                        throw refusals.refuse(clientPath, "it goes through more than " + MAX_LINK_HOPS + " symbolic links");
                    }
                    List<String> target = linkTarget(clientPath, walked, name);
                    for (int i = target.size() - 1; i >= 0; i--) {
                        pending.addFirst(target.get(i));
                    }
                    directory.release();
                    directory = null; // released: not again should the root be closed now
                    directory = acquireRoot();
                    walked.clear();
                    continue;
                }
                String reached = "/" + String.join("/", walked) + (walked.isEmpty() ? "" : "/") + name;
                if (last) {
                    Entry found = new Entry(directory, entry, reached, attributes);
                    directory = null;
                    return found;
                }
                if (attributes.isEmpty()) {
                    throw new FileNotFoundException("File " + clientPath + " does not exist: " + reached + " is missing");
                }
                if (!attributes.get().isDirectory()) {
                    throw new NotDirectoryException("Parent " + reached + " of " + clientPath + " is a file, not a directory");
                }
                Directory next;
                try {
                    next = directories.open(directory, entry, reached, attributes.get());
                }
                catch (FileSystemException e) {
                    // Replaced (by a link, say) since its attributes were read: look at it again.
                    if (++hops > MAX_LINK_HOPS) {
                        throw refusals.refuse(clientPath, "it keeps changing while it is walked");
                    }
                    pending.addFirst(name);
                    continue;
                }
                directory.release();
                directory = next;
                walked.add(name);
            }
        }
        finally {
            if (directory != null) {
                directory.release();
            }
        }
    }

    /**
     * The names a link at {@code walked}/{@code name} points to, from the root. Its text is read by path
     * (there is no relative readlink in the JDK), which a racing swap could point at another link; the
     * text is only ever walked from the root, confined, so that cannot lead out either.
     */
    private List<String> linkTarget(String clientPath, List<String> walked, String name) throws IOException {
        Path target;
        try {
            target = Files.readSymbolicLink(root.resolve(String.join("/", walked)).resolve(name));
        }
        catch (IOException | UnsupportedOperationException e) {
            throw refusals.refuse(clientPath, "it goes through a symbolic link whose target cannot be read");
        }
        List<String> names = new ArrayList<>();
        if (target.isAbsolute()) {
            Path normalized = target.normalize();
            if (!normalized.startsWith(root)) {
                throw refusals.refuse(clientPath, "it goes through a symbolic link that leads outside the root");
            }
            root.relativize(normalized).forEach(part -> names.add(part.toString()));
        }
        else {
            names.addAll(walked);
            for (Path part : target) {
                String text = part.toString();
                if (text.equals("..")) {
                    if (names.isEmpty()) {
                        throw refusals.refuse(clientPath, "it goes through a symbolic link that leads outside the root");
                    }
                    names.remove(names.size() - 1);
                }
                else if (!text.equals(".") && !text.isEmpty()) {
                    names.add(text);
                }
            }
        }
        names.removeIf(String::isEmpty);
        for (String part : names) {
            if (part.startsWith(TEMPORARY_PREFIX)) {
                throw refusals.refuse(clientPath, "it goes through a symbolic link to a temporary file");
            }
        }
        return names;
    }

    private List<String> names(String clientPath) throws AccessDeniedException {
        return ClientPath.parse(clientPath, refusals).names();
    }

    /** The root every walk starts from, held by the caller until it releases it. */
    private Directory acquireRoot() throws IOException {
        if (!walkRoot.acquire()) {
            throw new IOException("The under-file-system root " + root + " is closed: the worker is stopping");
        }
        return walkRoot;
    }

    /** The root opened afresh, for listings (a directory stream is iterated once) and the rarer operations. */
    private SecureDirectoryStream<Path> openRoot() throws IOException {
        // The root was resolved to its real path at start; nothing below it is resolved by the kernel.
        return (SecureDirectoryStream<Path>) Files.newDirectoryStream(root);
    }

    /** This worker's staging folder for writes in progress, created when missing. */
    private SecureDirectoryStream<Path> openStaging() throws IOException {
        // One at a time within this worker: a rename that makes a folder replaces an empty one of the same name, so
        // two of its first writes at once would replace the worker's new folder under each other.
        synchronized (stagingLock) {
            for (int attempt = 1; ; attempt++) {
                try {
                    return openStagingOnce();
                }
                catch (NoSuchFileException e) {
                    // Another worker sharing this root created the shared staging folder at the same moment: its rename
                    // replaced the (empty) one held here. Walk again.
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
        }
    }

    private SecureDirectoryStream<Path> openStagingOnce() throws IOException {
        try (Entry staging = new Entry(Directory.of(openRoot()), Path.of(STAGING), "/" + STAGING)) {
            if (staging.attributes().isEmpty()) {
                createDirectoryIn(staging);
            }
            try (Entry own = new Entry(Directory.of(staging.openDirectory()), Path.of(workerId), "/" + STAGING + "/" + workerId)) {
                if (own.attributes().isEmpty()) {
                    createDirectoryIn(own);
                }
                return own.parent.newDirectoryStream(own.name, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    /**
     * Creates the directory {@code entry} names, race-free: the JDK has no relative mkdir, so it is made
     * in the root (which nobody can swap) and renamed into place relative to the entry's open parent.
     */
    private void createDirectoryIn(Entry entry) throws IOException {
        String made = TEMPORARY_PREFIX + "dir-" + UUID.randomUUID();
        Files.createDirectory(root.resolve(made));
        try (SecureDirectoryStream<Path> rootDirectory = openRoot()) {
            try {
                rootDirectory.move(Path.of(made), entry.parent, entry.name);
            }
            catch (IOException e) {
                rootDirectory.deleteDirectory(Path.of(made));
                // Someone else made it meanwhile: fine when it is a directory.
                Optional<BasicFileAttributes> now = entry.attributes();
                if (now.isEmpty() || !now.get().isDirectory()) {
                    throw e;
                }
            }
        }
    }

    private static boolean exists(SecureDirectoryStream<Path> directory, Path name) throws IOException {
        return attributes(directory, name).isPresent();
    }

    private static Optional<BasicFileAttributes> attributes(SecureDirectoryStream<Path> directory, Path name) throws IOException {
        try {
            return Optional.of(directory.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes());
        }
        catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Deletes {@code name} in {@code directory} and, if it is a directory, everything in it; links are deleted, never followed. */
    private static void deleteTree(SecureDirectoryStream<Path> directory, Path name) throws IOException {
        Optional<BasicFileAttributes> attributes = attributes(directory, name);
        if (attributes.isEmpty()) {
            return;
        }
        if (attributes.get().isDirectory()) {
            try (SecureDirectoryStream<Path> children = directory.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                List<Path> names = new ArrayList<>();
                children.forEach(child -> names.add(child.getFileName()));
                for (Path child : names) {
                    deleteTree(children, child);
                }
            }
            directory.deleteDirectory(name);
        }
        else {
            directory.deleteFile(name);
        }
    }

    private static FileStatus status(String clientPath, BasicFileAttributes attributes) {
        String path = clientPath.length() > 1 && clientPath.endsWith("/") ? clientPath.substring(0, clientPath.length() - 1) : clientPath;
        return new FileStatus(path, attributes.isDirectory() ? 0 : attributes.size(), attributes.isDirectory(), attributes.lastModifiedTime().toMillis());
    }

    private static FileNotFoundException notFound(String clientPath) {
        return new FileNotFoundException("File " + clientPath + " does not exist");
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        }
        catch (IOException e) {
            // a directory handle: nothing was written through it
        }
    }
}
