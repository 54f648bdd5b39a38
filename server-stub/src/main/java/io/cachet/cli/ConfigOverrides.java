package io.cachet.cli;

import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --set key=value}: configuration given on the command line, above every other source. */
final class ConfigOverrides {
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set a cachet.* key for this command (repeatable); wins over the site file and -D system properties.")
    Map<String, String> values = new LinkedHashMap<>();
}
