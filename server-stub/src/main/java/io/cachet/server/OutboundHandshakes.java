package io.cachet.server;

import io.cachet.tls.HandshakeFailures;
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

/**
 * Counts the TLS handshakes this node fails as a client (to the coordinator, to peers), by cause, under
 * the listener name {@value #LISTENER}: a server never sees why a client refused it (a host name that
 * does not match, say), so only the client side can count that.
 */
public final class OutboundHandshakes implements ClientInterceptor {
    public static final String LISTENER = "outbound";

    private final ConnectionCounters.Listener counters;

    public OutboundHandshakes(ConnectionCounters counters) {
        this.counters = counters.forOutbound(LISTENER);
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
                                counters.handshakeFailed(HandshakeFailures.classify(status.getCause()));
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
