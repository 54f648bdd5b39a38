package io.cachet.server;

import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Function;

/**
 * A call whose headers carry a cluster-secret proof of its request: gRPC sends headers before the
 * request, so the call starts only when the request is known (its first message, or none at half-close).
 * Server-to-server calls send one request each; a later message of a streaming call is not covered.
 */
final class ProvingCall<Q, R> extends ForwardingClientCall<Q, R> {
    private final ClientCall<Q, R> delegate;
    private final MethodDescriptor<Q, R> method;
    private final Function<byte[], String> proofOfBody;
    private Listener<R> listener;
    private Metadata headers;
    private int requested;
    private boolean started;

    /** {@code proofOfBody} makes the proof for a serialized request. */
    ProvingCall(ClientCall<Q, R> delegate, MethodDescriptor<Q, R> method, Function<byte[], String> proofOfBody) {
        this.delegate = delegate;
        this.method = method;
        this.proofOfBody = proofOfBody;
    }

    @Override
    protected ClientCall<Q, R> delegate() {
        return delegate;
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {
        this.listener = listener;
        this.headers = headers;
    }

    @Override
    public void request(int count) {
        if (started) {
            delegate.request(count);
        }
        else {
            requested += count;
        }
    }

    @Override
    public void sendMessage(Q message) {
        if (!started) {
            startWith(serialized(message));
        }
        delegate.sendMessage(message);
    }

    @Override
    public void halfClose() {
        if (!started) {
            startWith(new byte[0]);
        }
        delegate.halfClose();
    }

    @Override
    public void cancel(String message, Throwable cause) {
        if (!started && listener != null) {
            // The caller's listener hears the cancellation as it would have without the proof.
            startWith(new byte[0]);
        }
        delegate.cancel(message, cause);
    }

    @Override
    public boolean isReady() {
        return started && delegate.isReady();
    }

    private void startWith(byte[] body) {
        started = true;
        headers.put(NodeSecurity.PROOF, proofOfBody.apply(body));
        delegate.start(listener, headers);
        if (requested > 0) {
            delegate.request(requested);
        }
    }

    private byte[] serialized(Q message) {
        return serialized(method, message);
    }

    /** The serialized form of a request (a server re-serializes what it received, to compare with the digest its proof carries). */
    static <Q> byte[] serialized(MethodDescriptor<Q, ?> method, Q message) {
        try (InputStream stream = method.streamRequest(message)) {
            return stream.readAllBytes();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot serialize the request of " + method.getFullMethodName(), e);
        }
    }
}
