package io.cachet.worker;

import io.cachet.client.FileStatus;
import io.cachet.rpc.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The under-file-system: a local directory shared by all workers. Every client path is checked to
 * stay inside the root: no {@code ..} or {@code .} segments, no NUL or control characters, no
 * over-long names, and no symbolic link that leads out. Nothing outside the root is ever read or written.
 */
final class UfsRoot {
    private static final Logger log = LoggerFactory.getLogger(UfsRoot.class);
    static final String TEMPORARY_PREFIX = ".cachet-tmp-";
    private static final int MAX_PATH_BYTES = 4096;
    private static final int MAX_NAME_BYTES = 255;

    private final Path root;

    private UfsRoot(Path root) {
        this.root = root;
    }

    /** The root from a {@code file://} URI or a plain directory path; it must exist. */
    static UfsRoot of(String location) throws IOException {
        Path directory = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
        if (!Files.isDirectory(directory)) {
            throw new FileNotFoundException("Under-file-system root %s is not a directory. Fix: create it, or point cachet.worker.ufs.root at one".formatted(directory));
        }
        return new UfsRoot(directory.toRealPath());
    }

    Path root() {
        return root;
    }

    /** The local path for a client path, after every confinement check. */
    Path resolve(String clientPath) throws AccessDeniedException {
        if (clientPath == null || clientPath.isEmpty()) {
            throw refuse(clientPath, "the path is empty");
        }
        if (clientPath.indexOf('\0') >= 0) {
            throw refuse(clientPath, "the path contains a NUL byte");
        }
        if (clientPath.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw refuse(clientPath, "the path is longer than " + MAX_PATH_BYTES + " bytes");
        }
        if (!clientPath.startsWith("/")) {
            throw refuse(clientPath, "the path is not absolute");
        }
        Path resolved = root;
        for (String segment : clientPath.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            if (segment.equals("..") || segment.equals(".")) {
                throw refuse(clientPath, "'" + segment + "' segments are not allowed");
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw refuse(clientPath, "a name is longer than " + MAX_NAME_BYTES + " bytes");
            }
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                if (c < 0x20 || c == 0x7f || c == '\\') {
                    throw refuse(clientPath, "the path contains a control character or backslash");
                }
            }
            resolved = resolved.resolve(segment);
            if (Files.isSymbolicLink(resolved)) {
                Path target;
                try {
                    target = resolved.toRealPath();
                }
                catch (IOException e) {
                    throw refuse(clientPath, "it goes through a symbolic link whose target does not exist");
                }
                if (!target.startsWith(root)) {
                    throw refuse(clientPath, "it goes through a symbolic link that leads outside the root");
                }
            }
        }
        if (!resolved.normalize().startsWith(root)) {
            throw refuse(clientPath, "it leads outside the root");
        }
        return resolved;
    }

    String clientPath(Path local) {
        Path relative = root.relativize(local);
        return relative.toString().isEmpty() ? "/" : "/" + relative.toString().replace('\\', '/');
    }

    FileStatus status(String clientPath) throws IOException {
        Path local = resolve(clientPath);
        try {
            return status(local, Files.readAttributes(local, BasicFileAttributes.class));
        }
        catch (java.nio.file.NoSuchFileException e) {
            throw new FileNotFoundException("File " + clientPath + " does not exist");
        }
    }

    List<FileStatus> list(String clientPath) throws IOException {
        Path local = resolve(clientPath);
        if (!Files.exists(local)) {
            throw new FileNotFoundException("File " + clientPath + " does not exist");
        }
        if (!Files.isDirectory(local)) {
            return List.of(status(clientPath));
        }
        List<FileStatus> statuses = new ArrayList<>();
        try (Stream<Path> children = Files.list(local)) {
            for (Path child : children.sorted().toList()) {
                if (child.getFileName().toString().startsWith(TEMPORARY_PREFIX)) {
                    continue;
                }
                try {
                    statuses.add(status(child, Files.readAttributes(child, BasicFileAttributes.class)));
                }
                catch (java.nio.file.NoSuchFileException e) {
                    // deleted while listing
                }
            }
        }
        return statuses;
    }

    boolean mkdirs(String clientPath) throws IOException {
        Path local = resolve(clientPath);
        if (Files.isDirectory(local)) {
            return true;
        }
        if (Files.exists(local, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException("Cannot create directory " + clientPath + ": a file is in the way");
        }
        requireNoFileAncestor(local, clientPath);
        Files.createDirectories(local);
        return true;
    }

    boolean delete(String clientPath, boolean recursive) throws IOException {
        Path local = resolve(clientPath);
        if (!Files.exists(local, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (Files.isDirectory(local, LinkOption.NOFOLLOW_LINKS)) {
            boolean empty;
            try (Stream<Path> children = Files.list(local)) {
                empty = children.findAny().isEmpty();
            }
            if (!empty && !recursive) {
                throw new DirectoryNotEmptyException("Directory " + clientPath + " is not empty; delete it recursively");
            }
            try (Stream<Path> tree = Files.walk(local)) {
                // Links are deleted, never followed: walk does not follow them by default.
                for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                    if (!path.equals(root)) {
                        Files.deleteIfExists(path);
                    }
                }
            }
            return true;
        }
        Files.delete(local);
        return true;
    }

    /** HDFS rename rules: into an existing directory, never over an existing file; false when it cannot be done. */
    boolean rename(String source, String destination) throws IOException {
        Path from = resolve(source);
        Path to = resolve(destination);
        if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS) || from.equals(root)) {
            return false;
        }
        if (from.equals(to)) {
            return !Files.isDirectory(from);
        }
        if (Files.isDirectory(to)) {
            to = to.resolve(from.getFileName());
        }
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS) || to.startsWith(from) || !Files.isDirectory(to.getParent())) {
            return false;
        }
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /** A temporary file next to {@code clientPath}, after the create checks; commit it with {@link #commit}. */
    Path createTemporary(String clientPath, boolean overwrite, boolean createParents) throws IOException {
        Path target = resolve(clientPath);
        if (target.equals(root) || Files.isDirectory(target)) {
            throw new ErrorCode.IsDirectoryException("Cannot write " + clientPath + ": it is a directory");
        }
        if (!overwrite && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException("File " + clientPath + " already exists");
        }
        Path parent = target.getParent();
        if (!Files.isDirectory(parent)) {
            requireNoFileAncestor(target, clientPath);
            if (!createParents) {
                throw new FileNotFoundException("Parent directory of " + clientPath + " does not exist");
            }
            Files.createDirectories(parent);
        }
        return Files.createFile(parent.resolve(TEMPORARY_PREFIX + UUID.randomUUID() + "." + target.getFileName()));
    }

    /** Moves a finished temporary file into place in one step: readers see the old file or the new one, never half. */
    void commit(Path temporary, String clientPath, boolean overwrite) throws IOException {
        Path target = resolve(clientPath);
        try {
            if (overwrite) {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            else {
                // A link fails if the name exists, so two creators cannot both win.
                Files.createLink(target, temporary);
                Files.delete(temporary);
            }
        }
        catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(temporary);
            throw new FileAlreadyExistsException("File " + clientPath + " already exists");
        }
        catch (AtomicMoveNotSupportedException | UnsupportedOperationException e) {
            Files.deleteIfExists(temporary);
            throw new IOException("The under-file-system cannot rename atomically: " + e.getMessage(), e);
        }
    }

    /** An error message as a client may see it: the root's local location is not its business. */
    String clientMessage(IOException error) {
        String message = String.valueOf(error.getMessage());
        return message.replace(root.toString(), "");
    }

    private void requireNoFileAncestor(Path local, String clientPath) throws IOException {
        for (Path ancestor = local.getParent(); ancestor != null && ancestor.startsWith(root); ancestor = ancestor.getParent()) {
            if (Files.exists(ancestor) && !Files.isDirectory(ancestor)) {
                throw new NotDirectoryException("Parent " + clientPath(ancestor) + " of " + clientPath + " is a file, not a directory");
            }
        }
    }

    private FileStatus status(Path local, BasicFileAttributes attributes) {
        return new FileStatus(clientPath(local), attributes.isDirectory() ? 0 : attributes.size(), attributes.isDirectory(),
                attributes.lastModifiedTime().toMillis());
    }

    private static AccessDeniedException refuse(String clientPath, String reason) {
        String shown = clientPath == null ? "(none)" : clientPath.replace("\0", "\\0");
        log.warn("Refused path '{}': {}", shown.length() > 200 ? shown.substring(0, 200) + "..." : shown, reason);
        return new AccessDeniedException(shown.length() > 200 ? shown.substring(0, 200) + "..." : shown, null,
                "refused: " + reason + "; paths must stay inside the under-file-system root");
    }
}
