package io.cachet.metrics;

import io.cachet.server.ConnectionCounters;
import io.cachet.server.InternodePeers;
import io.cachet.tls.CertificateDetails;
import io.cachet.tls.TlsFailureCause;
import io.cachet.tls.TlsMaterial;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
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
                    material.identity().ifPresent(identity -> identity.chain().forEach(certificate -> report(callback, "key", certificate)));
                    material.trustedCertificates().forEach(certificate -> report(callback, "trust", certificate));
                })
                .register(registry);
        return this;
    }

    private void report(GaugeWithCallback.Callback callback, String store, X509Certificate certificate) {
        double seconds = (certificate.getNotAfter().toInstant().toEpochMilli() - clock.millis()) / 1000.0;
        callback.call(seconds, store, CertificateDetails.subject(certificate), certificate.getSerialNumber().toString(16));
    }

    /** Server-to-server calls this node received, per calling node and how they came. */
    public NodeMetrics internode(InternodePeers peers) {
        CounterWithCallback.builder().name("cachet_internode_calls").help("Server-to-server calls received, per calling node, by transport or refusal")
                .labelNames("peer", "transport")
                .callback(callback -> peers.all().forEach(peer -> {
                    callback.call(peer.tlsCalls(), peer.id(), "tls");
                    callback.call(peer.plaintextCalls(), peer.id(), "plaintext");
                    callback.call(peer.refusedCalls(), peer.id(), "refused");
                }))
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
