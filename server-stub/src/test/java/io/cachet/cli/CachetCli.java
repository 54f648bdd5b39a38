package io.cachet.cli;

import io.cachet.testing.Eventually;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs the real {@code cachet} command line in-process with a chosen environment, capturing its output. */
final class CachetCli {
    record Run(int exitCode, String out, String err) {}

    private CachetCli() {}

    static Run run(Map<String, String> environment, Properties systemProperties, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = CachetCommand.commandLine(environment, systemProperties);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    static Run run(String... args) {
        return run(Map.of(), new Properties(), args);
    }

    /** A command that runs until stopped ({@code cachet local}), in a thread of this JVM; closing it interrupts the command, which stops what it started. */
    static Running start(String... args) {
        return new Running(args);
    }

    static final class Running implements AutoCloseable {
        private final StringWriter out = new StringWriter();
        private final StringWriter err = new StringWriter();
        private final AtomicInteger exitCode = new AtomicInteger(-1);
        private final Thread thread;

        private Running(String[] args) {
            CommandLine commandLine = CachetCommand.commandLine(Map.of(), new Properties());
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(err, true));
            // A stop by interruption is how this command ends here, not a failure to print.
            commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
                if (exception instanceof InterruptedException) {
                    return 0;
                }
                throw exception;
            });
            thread = new Thread(() -> exitCode.set(commandLine.execute(args)), "cachet " + String.join(" ", args));
            thread.start();
        }

        /** What the command printed so far (StringWriter is synchronized). */
        String out() {
            return out.toString();
        }

        String err() {
            return err.toString();
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join(Eventually.TIMEOUT.toMillis());
            if (thread.isAlive()) {
                throw new AssertionError("The command did not stop within " + Eventually.TIMEOUT + "; printed: " + out() + err());
            }
            if (exitCode.get() != 0) {
                throw new AssertionError("The command exited with " + exitCode.get() + "; printed: " + out() + err());
            }
        }
    }
}
