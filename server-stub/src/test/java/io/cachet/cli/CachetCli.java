package io.cachet.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.Properties;

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
}
