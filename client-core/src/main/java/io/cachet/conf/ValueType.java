package io.cachet.conf;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * How the text of a configuration value becomes a typed value, and what text is accepted.
 * A parser throws {@link IllegalArgumentException} with a short reason; {@link CachetConfig}
 * adds the key, the value and its source.
 */
public final class ValueType<T> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern DATA_SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?i?b?)", Pattern.CASE_INSENSITIVE);

    public static final ValueType<String> STRING = new ValueType<>("any text", value -> value, value -> value);

    public static final ValueType<Boolean> BOOLEAN = new ValueType<>("true or false", ValueType::parseBoolean, String::valueOf);

    public static final ValueType<Integer> POSITIVE_INT = new ValueType<>("a positive whole number", ValueType::parsePositiveInt, String::valueOf);

    public static final ValueType<Integer> PORT = new ValueType<>("a port number from 0 to 65535 (0 picks a free port)", ValueType::parsePort, String::valueOf);

    public static final ValueType<Duration> DURATION_TYPE = new ValueType<>(
            "a non-negative duration with a unit: ms, s, m, h or d (e.g. 30s, 5m); 0 needs no unit",
            ValueType::parseDuration,
            ValueType::formatDuration);

    public static final ValueType<Long> DATA_SIZE_TYPE = new ValueType<>(
            "a size in bytes with an optional binary unit: B, KB/KiB, MB/MiB, GB/GiB, TB/TiB (e.g. 1MiB, 512MB)",
            ValueType::parseDataSize,
            String::valueOf);

    public static final ValueType<List<String>> STRING_LIST = new ValueType<>("a comma-separated list", ValueType::parseList, list -> String.join(",", list));

    public static final ValueType<Pattern> REGEX = new ValueType<>("a Java regular expression", ValueType::parseRegex, Pattern::pattern);

    private final String accepted;
    private final Function<String, T> parser;
    private final Function<T, String> formatter;

    private ValueType(String accepted, Function<String, T> parser, Function<T, String> formatter) {
        this.accepted = requireNonNull(accepted, "accepted is null");
        this.parser = requireNonNull(parser, "parser is null");
        this.formatter = requireNonNull(formatter, "formatter is null");
    }

    /** A data size from {@code min} to {@code max} bytes. */
    public static ValueType<Long> dataSizeBetween(long min, long max) {
        String range = "%s to %s".formatted(binarySize(min), binarySize(max));
        return new ValueType<>(
                "a size from %s, in bytes with an optional binary unit (e.g. 1MiB)".formatted(range),
                value -> {
                    long parsed = parseDataSize(value);
                    if (parsed < min || parsed > max) {
                        throw new IllegalArgumentException("out of range: " + range);
                    }
                    return parsed;
                },
                String::valueOf);
    }

    private static String binarySize(long bytes) {
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes % 1024 == 0) {
            return (bytes >> 10) + "KiB";
        }
        return bytes + "B";
    }

    /** Values are the lower-case constant names; {@code ONE_TWO} is written {@code one-two} or {@code one_two}. */
    public static <E extends Enum<E>> ValueType<E> ofEnum(Class<E> type) {
        String names = Arrays.stream(type.getEnumConstants())
                .map(ValueType::enumText)
                .collect(Collectors.joining(", "));
        return new ValueType<>(
                "one of: " + names,
                value -> {
                    for (E constant : type.getEnumConstants()) {
                        if (enumText(constant).equalsIgnoreCase(value.replace('-', '_'))) {
                            return constant;
                        }
                    }
                    throw new IllegalArgumentException("not one of the accepted values");
                },
                ValueType::enumText);
    }

    private static String enumText(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    public String accepted() {
        return accepted;
    }

    T parse(String text) {
        return parser.apply(text.trim());
    }

    String format(T value) {
        return formatter.apply(value);
    }

    private static Pattern parseRegex(String value) {
        try {
            return Pattern.compile(value);
        }
        catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("not a regular expression: " + e.getDescription());
        }
    }

    private static boolean parseBoolean(String value) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("not a boolean");
    }

    private static int parsePositiveInt(String value) {
        int parsed = parseInt(value);
        if (parsed <= 0) {
            throw new IllegalArgumentException("must be positive");
        }
        return parsed;
    }

    private static int parsePort(String value) {
        int parsed = parseInt(value);
        if (parsed < 0 || parsed > 65535) {
            throw new IllegalArgumentException("out of range");
        }
        return parsed;
    }

    private static int parseInt(String value) {
        try {
            return Integer.parseInt(value);
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
    }

    static Duration parseDuration(String value) {
        if (value.equals("0")) {
            return Duration.ZERO;
        }
        if (value.startsWith("-")) {
            throw new IllegalArgumentException("a duration cannot be negative");
        }
        Matcher matcher = DURATION.matcher(value);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a duration with a unit");
        }
        long amount;
        try {
            amount = Long.parseLong(matcher.group(1));
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("too large");
        }
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> throw new IllegalStateException("unit " + matcher.group(2));
        };
    }

    private static String formatDuration(Duration duration) {
        if (duration.isZero()) {
            return "0";
        }
        long millis = duration.toMillis();
        if (millis % 86_400_000 == 0) {
            return millis / 86_400_000 + "d";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    static long parseDataSize(String value) {
        if (value.startsWith("-")) {
            throw new IllegalArgumentException("a size cannot be negative");
        }
        Matcher matcher = DATA_SIZE.matcher(value);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a size");
        }
        // Binary units throughout, as Alluxio, Hadoop and airlift read them: 1MB == 1MiB.
        int shift = switch (Character.toLowerCase(matcher.group(2).isEmpty() ? 'b' : matcher.group(2).charAt(0))) {
            case 'b' -> 0;
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> throw new IllegalArgumentException("unknown unit");
        };
        try {
            long amount = Long.parseLong(matcher.group(1));
            if (amount > (Long.MAX_VALUE >> shift)) {
                throw new IllegalArgumentException("too large");
            }
            return amount << shift;
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("too large");
        }
    }

    private static List<String> parseList(String value) {
        return Arrays.stream(value.split(","))
                .map(String::trim)
                .filter(item -> !item.isEmpty())
                .toList();
    }
}
