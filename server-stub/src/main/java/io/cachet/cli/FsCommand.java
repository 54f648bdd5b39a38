package io.cachet.cli;

import io.cachet.client.CachetClient;
import io.cachet.client.FileStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.concurrent.Callable;

/** {@code cachet fs}: a few file commands through the Cachet client, for trying a cluster out. */
@Command(name = "fs", description = "File commands through the Cachet client.",
        subcommands = {FsCommand.Put.class, FsCommand.Get.class, FsCommand.Ls.class, FsCommand.Rm.class})
final class FsCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Opens a client with the effective configuration of the command line. */
    abstract static class ClientCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOverrides overrides;

        @Override
        public Integer call() throws Exception {
            CachetCommand root = (CachetCommand) spec.root().userObject();
            try (CachetClient client = CachetClient.connect(root.config(overrides.values))) {
                return run(client, spec.commandLine().getOut());
            }
        }

        abstract int run(CachetClient client, PrintWriter out) throws Exception;
    }

    @Command(name = "put", description = "Copy a local file to PATH.")
    static final class Put extends ClientCommand {
        @Parameters(index = "0", paramLabel = "LOCAL")
        private Path local;

        @Parameters(index = "1", paramLabel = "PATH")
        private String path;

        @Override
        int run(CachetClient client, PrintWriter out) throws Exception {
            try (InputStream in = Files.newInputStream(local); OutputStream target = client.create(path, true, true)) {
                long bytes = in.transferTo(target);
                out.printf("put %s -> %s (%d bytes, worker %s)%n", local, path, bytes, client.owner(path).host());
            }
            return 0;
        }
    }

    @Command(name = "get", description = "Copy PATH to a local file.")
    static final class Get extends ClientCommand {
        @Parameters(index = "0", paramLabel = "PATH")
        private String path;

        @Parameters(index = "1", paramLabel = "LOCAL")
        private Path local;

        @Override
        int run(CachetClient client, PrintWriter out) throws Exception {
            try (InputStream in = client.open(path)) {
                long bytes = Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
                out.printf("get %s -> %s (%d bytes)%n", path, local, bytes);
            }
            return 0;
        }
    }

    @Command(name = "ls", description = "List PATH.")
    static final class Ls extends ClientCommand {
        @Parameters(index = "0", paramLabel = "PATH", defaultValue = "/")
        private String path;

        @Override
        int run(CachetClient client, PrintWriter out) throws Exception {
            for (FileStatus status : client.list(path)) {
                out.printf("%s %12d %s %s%n", status.directory() ? "d" : "-", status.length(), Instant.ofEpochMilli(status.modificationTime()), status.path());
            }
            return 0;
        }
    }

    @Command(name = "rm", description = "Delete PATH (recursively).")
    static final class Rm extends ClientCommand {
        @Parameters(index = "0", paramLabel = "PATH")
        private String path;

        @Override
        int run(CachetClient client, PrintWriter out) throws Exception {
            boolean deleted = client.delete(path, true);
            out.printf("%s %s%n", deleted ? "deleted" : "nothing at", path);
            return deleted ? 0 : 1;
        }
    }
}
