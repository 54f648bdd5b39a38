package io.cachet.benchmarks.hadoop;

import java.util.Arrays;
import java.util.Properties;
import java.util.stream.Collectors;

/** What the client JVM measures, written by the driver into the workload's properties file. */
record WorkloadSettings(String uri, boolean writeFiles, long sizeMib, int passes, int preads, int[] readers, int smallFiles, int smallFileKib,
        int smallFileThreads, int statusThreads, long statusWarmupMillis, long statusMillis) {
    private static final String PREFIX = "workload.";

    /** The same measures on a target that only reads the large file another target wrote into its storage. */
    WorkloadSettings readOnly(String otherUri) {
        return new WorkloadSettings(otherUri, false, sizeMib, passes, preads, readers, 0, smallFileKib, smallFileThreads, statusThreads, statusWarmupMillis,
                statusMillis);
    }

    WorkloadSettings withUri(String otherUri) {
        return new WorkloadSettings(otherUri, writeFiles, sizeMib, passes, preads, readers, smallFiles, smallFileKib, smallFileThreads, statusThreads,
                statusWarmupMillis, statusMillis);
    }

    void writeTo(Properties properties) {
        properties.setProperty(PREFIX + "uri", uri);
        properties.setProperty(PREFIX + "write", String.valueOf(writeFiles));
        properties.setProperty(PREFIX + "size.mib", String.valueOf(sizeMib));
        properties.setProperty(PREFIX + "passes", String.valueOf(passes));
        properties.setProperty(PREFIX + "preads", String.valueOf(preads));
        properties.setProperty(PREFIX + "readers", Arrays.stream(readers).mapToObj(String::valueOf).collect(Collectors.joining(",")));
        properties.setProperty(PREFIX + "small.files", String.valueOf(smallFiles));
        properties.setProperty(PREFIX + "small.file.kib", String.valueOf(smallFileKib));
        properties.setProperty(PREFIX + "small.file.threads", String.valueOf(smallFileThreads));
        properties.setProperty(PREFIX + "status.threads", String.valueOf(statusThreads));
        properties.setProperty(PREFIX + "status.warmup.millis", String.valueOf(statusWarmupMillis));
        properties.setProperty(PREFIX + "status.millis", String.valueOf(statusMillis));
    }

    static WorkloadSettings from(Properties properties) {
        return new WorkloadSettings(
                properties.getProperty(PREFIX + "uri"),
                Boolean.parseBoolean(properties.getProperty(PREFIX + "write")),
                Long.parseLong(properties.getProperty(PREFIX + "size.mib")),
                Integer.parseInt(properties.getProperty(PREFIX + "passes")),
                Integer.parseInt(properties.getProperty(PREFIX + "preads")),
                Arrays.stream(properties.getProperty(PREFIX + "readers").split(",")).mapToInt(Integer::parseInt).toArray(),
                Integer.parseInt(properties.getProperty(PREFIX + "small.files")),
                Integer.parseInt(properties.getProperty(PREFIX + "small.file.kib")),
                Integer.parseInt(properties.getProperty(PREFIX + "small.file.threads")),
                Integer.parseInt(properties.getProperty(PREFIX + "status.threads")),
                Long.parseLong(properties.getProperty(PREFIX + "status.warmup.millis")),
                Long.parseLong(properties.getProperty(PREFIX + "status.millis")));
    }
}
