package io.cachet.server;

import io.cachet.tls.HandshakeFailures;
import io.cachet.tls.TlsFailureCause;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import javax.net.ssl.SSLException;

import java.security.cert.CertificateException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the calls this node makes as a TLS client (to the coordinator, to peers) that fail in the TLS layer,
 * by cause: a server never sees why a client refused it (a host name its certificate does not name, say), so
 * only the client side can count that. Each failed call counts, not each connection: calls on a channel whose
 * handshake fails all fail with it.
 */
public final class OutboundTlsFailures implements ClientInterceptor {
    private final Map<TlsFailureCause, LongAdder> failures = new EnumMap<>(TlsFailureCause.class);

    public OutboundTlsFailures() {
        for (TlsFailureCause cause : TlsFailureCause.values()) {
            failures.put(cause, new LongAdder());
        }
    }

    public long count(TlsFailureCause cause) {
        return failures.get(cause).sum();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        for (Throwable cause = status.getCause(); cause != null; cause = cause.getCause()) {
                            if (cause instanceof SSLException || cause instanceof CertificateException) {
                                failures.get(HandshakeFailures.classify(status.getCause())).increment();
                                break;
                            }
                        }
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }
}
