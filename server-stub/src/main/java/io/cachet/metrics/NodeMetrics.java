package io.cachet.metrics;

import io.cachet.server.ConnectionCounters;
import io.cachet.server.InternodePeers;
import io.cachet.server.OutboundTlsFailures;
import io.cachet.tls.CertificateDetails;
import io.cachet.tls.TlsFailureCause;
import io.cachet.tls.TlsMaterial;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The Prometheus metrics of one node, in a registry of its own (several nodes can share a JVM, as in
 * {@code MiniCluster}). Counters the node keeps anyway are read at scrape time through callbacks, so
 * serving traffic pays nothing for metrics that nobody scrapes.
 */
public final class NodeMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Clock clock;

    public NodeMetrics(Clock clock) {
        this.clock = clock;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Connections and TLS handshakes per listener, with failed handshakes by cause. */
    public NodeMetrics connections(ConnectionCounters counters) {
        GaugeWithCallback.builder().name("cachet_connections_open").help("Connections a listener holds now").labelNames("listener")
                .callback(callback -> counters.listeners().forEach(listener -> callback.call(listener.openConnections(), listener.name())))
                .register(registry);
        CounterWithCallback.builder().name("cachet_connections_refused").help("Connections a listener refused or closed at once: limits, silence, failed handshakes")
                .labelNames("listener")
                .callback(callback -> counters.listeners().forEach(listener -> callback.call(listener.refusedConnections(), listener.name())))
                .register(registry);
        CounterWithCallback.builder().name("cachet_tls_handshakes").help("TLS handshakes on a listener, by result and, for failures, cause")
                .labelNames("listener", "result", "cause")
                .callback(callback -> counters.listeners().forEach(listener -> {
                    callback.call(listener.tlsHandshakes(), listener.name(), "ok", "");
                    for (TlsFailureCause cause : TlsFailureCause.values()) {
                        callback.call(listener.failedHandshakes(cause), listener.name(), "failed", cause.label());
                    }
                }))
                .register(registry);
        return this;
    }

    /** Reloads, and the seconds until each certificate of the node's identity and trust expires: alert on these. */
    public NodeMetrics tls(TlsMaterial material) {
        CounterWithCallback.builder().name("cachet_tls_reloads").help("Reloads of changed TLS files, by result").labelNames("result")
                .callback(callback -> {
                    callback.call(material.reloads(), "ok");
                    callback.call(material.reloadFailures(), "failed");
                })
                .register(registry);
        GaugeWithCallback.builder().name("cachet_tls_certificate_expiry_seconds")
                .help("Seconds until a certificate in the node's key store (its own chain) or trust store expires; negative once expired")
                .labelNames("store", "subject", "serial")
                .callback(callback -> {
                    // A certificate listed twice (a CA repeated in a PEM bundle) is one series, or the whole scrape would fail.
                    Set<List<String>> reported = new HashSet<>();
                    material.identity().ifPresent(identity -> identity.chain().forEach(certificate -> report(callback, "key", certificate, reported)));
                    material.trustedCertificates().forEach(certificate -> report(callback, "trust", certificate, reported));
                })
                .register(registry);
        return this;
    }

    private void report(GaugeWithCallback.Callback callback, String store, X509Certificate certificate, Set<List<String>> reported) {
        List<String> labels = List.of(store, CertificateDetails.subject(certificate), certificate.getSerialNumber().toString(16));
        if (reported.add(labels)) {
            double seconds = (certificate.getNotAfter().toInstant().toEpochMilli() - clock.millis()) / 1000.0;
            callback.call(seconds, labels.toArray(String[]::new));
        }
    }

    /**
     * Server-to-server calls this node received, per proven calling node and transport; refused calls in one
     * series, since the id a refused caller claims is its own say-so and would let anyone add series.
     */
    public NodeMetrics internode(InternodePeers peers) {
        CounterWithCallback.builder().name("cachet_internode_calls").help("Server-to-server calls received: per proven node by transport, and refused ones")
                .labelNames("peer", "transport")
                .callback(callback -> {
                    long refused = 0;
                    for (InternodePeers.Peer peer : peers.all()) {
                        if (peer.tlsCalls() + peer.plaintextCalls() > 0) {
                            callback.call(peer.tlsCalls(), peer.id(), "tls");
                            callback.call(peer.plaintextCalls(), peer.id(), "plaintext");
                        }
                        refused += peer.refusedCalls();
                    }
                    callback.call(refused, "unproven", "refused");
                })
                .register(registry);
        return this;
    }

    /** Calls this node made as a TLS client (to the coordinator, to peers) that failed in TLS, by cause: a server never sees why its client refused it. */
    public NodeMetrics outboundTlsFailures(OutboundTlsFailures failures) {
        CounterWithCallback.builder().name("cachet_tls_outbound_failures")
                .help("Calls this node made as a TLS client that failed in the TLS layer (each failed call, not each connection), by cause")
                .labelNames("cause")
                .callback(callback -> {
                    for (TlsFailureCause cause : TlsFailureCause.values()) {
                        callback.call(failures.count(cause), cause.label());
                    }
                })
                .register(registry);
        return this;
    }

    public NodeMetrics membershipSize(IntSupplier workers) {
        GaugeWithCallback.builder().name("cachet_membership_workers").help("Workers in the membership this node sees")
                .callback(callback -> callback.call(workers.getAsInt()))
                .register(registry);
        return this;
    }

    /** A counter the node keeps, read at scrape time. */
    public NodeMetrics counter(String name, String help, LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(callback -> callback.call(value.getAsLong())).register(registry);
        return this;
    }

    public NodeMetrics gauge(String name, String help, LongSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(callback -> callback.call(value.getAsLong())).register(registry);
        return this;
    }

    public NodeMetrics histograms(List<Histogram> histograms) {
        histograms.forEach(registry::register);
        return this;
    }
}
