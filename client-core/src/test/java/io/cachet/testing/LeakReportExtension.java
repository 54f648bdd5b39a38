package io.cachet.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.InvocationTargetException;
import java.util.List;

/**
 * Makes Netty report the buffers a test class leaked before the next class runs. Netty finds a leak
 * only when the garbage collector has cleared the buffer and a later allocation looks at the detector's
 * queue, so a leak in the last class of a JVM would otherwise never be printed. After each class this
 * collects garbage and allocates one buffer through each Netty copy on the class path: ours,
 * grpc-netty-shaded's, and both as relocated in the shaded client jar (which copies a module has
 * depends on its class path, so they are looked up by name). The build's leak-reports gate fails on
 * any {@code LEAK:} line this brings out. Registered by service loading.
 */
public final class LeakReportExtension implements AfterAllCallback {
    private static final List<String> NETTY_PACKAGES = List.of(
            "io.netty", "io.grpc.netty.shaded.io.netty", "io.cachet.shaded.io.netty", "io.cachet.shaded.io.grpc.netty.shaded.io.netty");

    @Override
    public void afterAll(ExtensionContext context) throws ReflectiveOperationException, InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            // Cleared references reach Netty's queue from the JVM's reference handler thread, not at once.
            Thread.sleep(100);
            for (String nettyPackage : NETTY_PACKAGES) {
                allocateAndRelease(nettyPackage);
            }
        }
    }

    private static void allocateAndRelease(String nettyPackage) throws ReflectiveOperationException {
        Class<?> allocatorType;
        try {
            allocatorType = Class.forName(nettyPackage + ".buffer.ByteBufAllocator");
        }
        catch (ClassNotFoundException e) {
            return;
        }
        Object allocator = allocatorType.getField("DEFAULT").get(null);
        try {
            Object buffer = allocatorType.getMethod("buffer", int.class).invoke(allocator, 1);
            Class.forName(nettyPackage + ".util.ReferenceCounted").getMethod("release").invoke(buffer);
        }
        catch (InvocationTargetException e) {
            throw new IllegalStateException("Netty (" + nettyPackage + ") could not allocate a buffer", e.getCause());
        }
    }
}
