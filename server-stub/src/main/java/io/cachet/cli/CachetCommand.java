package io.cachet.cli;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.util.Map;
import java.util.Properties;

import static java.util.Objects.requireNonNull;

/** The {@code cachet} launcher. */
@Command(
        name = "cachet",
        mixinStandardHelpOptions = true,
        // Every subcommand answers --help (and --version) too.
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = CachetCommand.Version.class,
        description = "Cachet: a caching data layer with TLS on every connection.",
        subcommands = {CertsCommand.class, ConfCommand.class, TlsCommand.class, ServerCommands.Coordinator.class, ServerCommands.Worker.class, LocalCommand.class, FsCommand.class,
                CacheJobCommands.Load.class, CacheJobCommands.Free.class})
public final class CachetCommand implements Runnable {
    static final String COMMAND_LINE_SCOPE = "command line (--set)";

    private final Map<String, String> environment;
    private final Properties systemProperties;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    CachetCommand(Map<String, String> environment, Properties systemProperties) {
        this.environment = requireNonNull(environment, "environment is null");
        this.systemProperties = requireNonNull(systemProperties, "systemProperties is null");
    }

    public static void main(String[] args) {
        System.exit(commandLine(System.getenv(), System.getProperties()).execute(args));
    }

    /** The command line with Cachet's error handling: configuration and TLS errors print their message, not a stack trace. */
    static CommandLine commandLine(Map<String, String> environment, Properties systemProperties) {
        CommandLine commandLine = new CommandLine(new CachetCommand(environment, systemProperties)).setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            if (exception instanceof ConfigException || exception instanceof IOException) {
                line.getErr().println("cachet: " + exception.getMessage());
                return 2;
            }
            throw exception;
        });
        return commandLine;
    }

    /** The effective configuration: site file, system properties, then {@code --set} values. */
    CachetConfig config(Map<String, String> overrides) {
        CachetConfig config = CachetConfig.builder()
                .environment(environment)
                .systemProperties(systemProperties)
                .engineProperties(COMMAND_LINE_SCOPE, overrides)
                .build();
        config.unknownKeyWarnings().forEach(spec.commandLine().getErr()::println);
        return config;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = CachetCommand.class.getPackage().getImplementationVersion();
            return new String[] {"cachet " + (version == null ? "(development build)" : version)};
        }
    }
}
