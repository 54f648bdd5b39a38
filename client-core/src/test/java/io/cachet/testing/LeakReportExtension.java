package io.cachet.testing;

import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Makes Netty report the buffers a test class leaked before the next class runs. Netty finds a leak
 * only when the garbage collector has cleared the buffer and a later allocation looks at the detector's
 * queue, so a leak in the last class of a JVM would otherwise never be printed. After each class this
 * collects garbage and allocates one buffer through each Netty copy on the class path (ours and
 * grpc-netty-shaded's). The build's leak-reports gate fails on any {@code LEAK:} line this brings out.
 * Registered by service loading.
 */
public final class LeakReportExtension implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            // Cleared references reach Netty's queue from the JVM's reference handler thread, not at once.
            Thread.sleep(100);
            ByteBufAllocator.DEFAULT.buffer(1).release();
            io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator.DEFAULT.buffer(1).release();
        }
    }
}
