package io.cachet.worker;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;

/**
 * Runs a gRPC handler's work on an executor of the worker's own, so the transport thread it arrived on
 * is free again: with the call's context (its deadline and cancellation), and ending the call when the
 * work fails unexpectedly, which gRPC does only for work on its own threads.
 */
final class OffloadedCall {
    private static final Logger log = LoggerFactory.getLogger(OffloadedCall.class);

    private OffloadedCall() {}

    static void run(Executor executor, StreamObserver<?> response, Runnable work) {
        executor.execute(Context.current().wrap(() -> {
            try {
                work.run();
            }
            catch (RuntimeException e) {
                log.error("A call failed unexpectedly", e);
                response.onError(Status.INTERNAL.withDescription("The worker failed: " + e).asRuntimeException());
            }
        }));
    }
}
