package io.cachet.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs every test beside busy processes, as on a CI machine or a production node shared with other
 * work: {@code -Dcachet.test.cpu.hogs=N} starts N shell loops that each keep a core busy for the length
 * of each test, and stops them after it, pass or fail. Each loop also ends by itself after ten minutes,
 * so none outlives a crashed test JVM for long. Registered by service loading (the build turns
 * autodetection on); without the property it starts nothing.
 */
public final class CpuHogExtension implements BeforeEachCallback, AfterEachCallback {
    public static final String HOGS = "cachet.test.cpu.hogs";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CpuHogExtension.class);

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        int hogs = Integer.getInteger(HOGS, 0);
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < hogs; i++) {
            processes.add(new ProcessBuilder("timeout", "600", "sh", "-c", "while :; do :; done")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start());
        }
        context.getStore(NAMESPACE).put("hogs", processes);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void afterEach(ExtensionContext context) throws InterruptedException {
        List<Process> processes = (List<Process>) context.getStore(NAMESPACE).remove("hogs");
        if (processes == null) {
            return;
        }
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
