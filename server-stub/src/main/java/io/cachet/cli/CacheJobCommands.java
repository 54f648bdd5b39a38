package io.cachet.cli;

import io.cachet.client.CachetClient;
import io.cachet.rpc.proto.JobStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;

/** {@code cachet load} and {@code cachet free}: coordinator jobs that warm or empty the owners' caches. */
final class CacheJobCommands {
    private CacheJobCommands() {}

    @Command(name = "load", description = {"Read every file at or under PATH into the cache of the worker that owns it.",
            "The coordinator splits the job into one task per worker; progress is shown until all are done."})
    static final class Load extends JobCommand {
        @Override
        JobStatus run(CachetClient client, String path, ProgressBar bar) throws IOException {
            return client.load(path, bar::show);
        }

        @Override
        String summary(JobStatus last) {
            return "Loaded %d files (%s) into the caches of %d workers: %d pages read, %d already cached".formatted(
                    last.getFilesDone(), ProgressBar.bytes(last.getBytesDone()), last.getWorkers(), last.getPagesChanged(), last.getPagesAlreadyCached());
        }
    }

    @Command(name = "free", description = "Drop every file at or under PATH from the owners' caches (the under-file-system keeps them).")
    static final class Free extends JobCommand {
        @Override
        JobStatus run(CachetClient client, String path, ProgressBar bar) throws IOException {
            return client.free(path, bar::show);
        }

        @Override
        String summary(JobStatus last) {
            return "Freed %d files (%s) on %d workers: %d pages dropped".formatted(
                    last.getFilesDone(), ProgressBar.bytes(last.getBytesDone()), last.getWorkers(), last.getPagesChanged());
        }
    }

    /** A job on PATH with a progress bar, a summary, and exit code 1 when any file failed. */
    abstract static class JobCommand extends FsCommand.ClientCommand {
        @Parameters(index = "0", paramLabel = "PATH")
        private String path;

        abstract JobStatus run(CachetClient client, String path, ProgressBar bar) throws IOException;

        abstract String summary(JobStatus last);

        @Override
        int run(CachetClient client, PrintWriter out) throws IOException {
            String name = spec.name();
            JobStatus last = run(client, path, new ProgressBar(name + " " + path, out, System.console() != null));
            out.println(summary(last));
            return reportFailures(last, out);
        }
    }

    private static int reportFailures(JobStatus last, PrintWriter out) {
        last.getFailuresList().forEach(failure -> out.println("failed: " + failure));
        return last.getFailuresCount() == 0 ? 0 : 1;
    }

    /**
     * One line of progress. On a terminal it is redrawn in place; in a log or a pipe a new line is
     * written every tenth of the way, so the output stays short.
     */
    static final class ProgressBar {
        private static final int WIDTH = 30;

        private final String title;
        private final PrintWriter out;
        private final boolean terminal;
        private int lastTenth = -1;

        ProgressBar(String title, PrintWriter out, boolean terminal) {
            this.title = title;
            this.out = out;
            this.terminal = terminal;
        }

        void show(JobStatus status) {
            double done = status.getTotalBytes() > 0
                    ? (double) status.getBytesDone() / status.getTotalBytes()
                    : status.getTotalFiles() > 0 ? (double) status.getFilesDone() / status.getTotalFiles() : 1;
            int filled = (int) Math.round(done * WIDTH);
            String line = "%s [%s%s] %3d%% %s of %s, %d of %d files, %d workers".formatted(title, "#".repeat(filled), ".".repeat(WIDTH - filled),
                    Math.round(done * 100), bytes(status.getBytesDone()), bytes(status.getTotalBytes()), status.getFilesDone(), status.getTotalFiles(),
                    status.getWorkers());
            int tenth = (int) (done * 10);
            if (terminal) {
                out.print("\r" + line + (status.getFinished() ? System.lineSeparator() : ""));
            }
            else if (tenth != lastTenth || status.getFinished()) {
                out.println(line);
            }
            lastTenth = tenth;
            out.flush();
        }

        static String bytes(long bytes) {
            String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
            double value = bytes;
            int unit = 0;
            while (value >= 1024 && unit < units.length - 1) {
                value /= 1024;
                unit++;
            }
            return unit == 0 ? bytes + " B" : "%.1f %s".formatted(value, units[unit]);
        }
    }
}
