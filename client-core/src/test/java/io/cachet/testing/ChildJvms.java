package io.cachet.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The options of the short-lived JVMs a test starts (a Spark driver and its executors, a Hadoop shell
 * command, a cluster node in a process of its own): this JVM's Netty leak detection levels, so a leak in
 * a child is reported as one here would be, and the client compiler only. Such a JVM runs for one job or
 * one test; left to the default tiers it spends about half of its CPU in C2 compiling code it runs a few
 * times, and on a two-core CI machine that doubled the time of a Spark submission and made a rolling
 * restart of a cluster 30 % slower. Servers running inside the test's JVM keep the default compilers,
 * so C2-compiled server code stays under test.
 */
public final class ChildJvms {
    private static final String LEAK_LEVEL_PROPERTY_SUFFIX = "leakDetection.level";
    private static final String CLIENT_COMPILER_ONLY = "-XX:TieredStopAtLevel=1";

    private ChildJvms() {}

    /** The compiler options alone, for a launcher that passes this JVM's leak detection levels on itself (MiniCluster's nodes). */
    public static List<String> compilerOptions() {
        return List.of(CLIENT_COMPILER_ONLY);
    }

    /** {@code -X}/{@code -D} options for a child JVM whose command line the test writes. */
    public static List<String> options() {
        List<String> options = new ArrayList<>(compilerOptions());
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.endsWith(LEAK_LEVEL_PROPERTY_SUFFIX))
                .sorted()
                .forEach(name -> options.add("-D" + name + "=" + System.getProperty(name)));
        return options;
    }

    /**
     * The same options for child JVMs whose command line the test does not write (a Spark driver and the
     * executors it starts): the {@code java} launcher reads {@code JDK_JAVA_OPTIONS}, and children inherit it.
     */
    public static Map<String, String> environment() {
        return Map.of("JDK_JAVA_OPTIONS", String.join(" ", options()));
    }
}
