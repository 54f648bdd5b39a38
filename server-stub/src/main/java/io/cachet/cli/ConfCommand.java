package io.cachet.cli;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigKey;
import io.cachet.membership.MembershipSource;
import io.cachet.metrics.MetricsServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Comparator;
import java.util.Optional;

/** {@code cachet conf}: the effective configuration, secrets masked. */
@Command(name = "conf", description = "Print the effective configuration (secrets masked).")
final class ConfCommand implements Runnable {
    @ParentCommand
    private CachetCommand parent;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ConfigOverrides overrides;

    @Option(names = "--source", description = "Show where each value comes from.")
    private boolean source;

    @Option(names = "--all", description = "Also list keys that have no value.")
    private boolean all;

    @Override
    public void run() {
        CachetConfig config = parent.config(overrides.values);
        PrintWriter out = spec.commandLine().getOut();
        if (source) {
            // A comment, so the output stays a properties file.
            out.println("# membership: " + MembershipSource.describe(config));
            out.println("# metrics and health: " + MetricsServer.addresses(config));
        }
        CachetKeys.all().values().stream()
                .sorted(Comparator.comparing(ConfigKey::name))
                .forEach(key -> {
                    Optional<String> value = config.display(key);
                    if (value.isEmpty() && !all) {
                        return;
                    }
                    String line = key.name() + "=" + value.orElse("");
                    if (source) {
                        line += "    # " + config.sourceOf(key).map(Object::toString).orElse("not set");
                    }
                    out.println(line);
                });
        out.flush();
    }
}
