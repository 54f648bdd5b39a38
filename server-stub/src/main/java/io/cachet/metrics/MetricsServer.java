package io.cachet.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import com.google.common.net.HostAndPort;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ClientAuth;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsSettings;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import javax.net.ssl.SSLContext;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A node's operations endpoint: {@code /metrics} (Prometheus text, or protobuf to scrapers that ask),
 * {@code /health/live} and {@code /health/ready}. HTTPS with the node's own identity, trust and TLS policy
 * when the node has TLS material (reloaded certificates included), plain HTTP otherwise. Requests carry no
 * body that is read, and two threads serve them, so a scraper cannot make the node do much.
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final boolean https;

    private MetricsServer(HttpServer server, ExecutorService executor, boolean https) {
        this.server = server;
        this.executor = executor;
        this.https = https;
    }

    public static MetricsServer start(InetSocketAddress address, Optional<TlsContexts> tls, ClientAuth clientAuth, PrometheusRegistry registry,
            Readiness readiness) throws IOException {
        HttpServer server;
        if (tls.isPresent()) {
            HttpsServer secure = HttpsServer.create();
            SSLContext context = tls.get().jdkServer();
            secure.setHttpsConfigurator(new HttpsConfigurator(context) {
                @Override
                public void configure(HttpsParameters parameters) {
                    parameters.setSSLParameters(tls.get().jdkServerParameters(context, clientAuth));
                }
            });
            server = secure;
        }
        else {
            server = HttpServer.create();
        }
        try {
            server.bind(address, 64);
        }
        catch (IOException e) {
            throw new IOException("Metrics listener cannot listen on %s: %s".formatted(address, e.getMessage()), e);
        }
        server.createContext("/metrics", new MetricsHandler(registry));
        server.createContext("/health/live", exchange -> answer(exchange, 200, "live\n"));
        server.createContext("/health/ready", exchange -> {
            Optional<String> notReady = readiness.notReadyBecause();
            answer(exchange, notReady.isEmpty() ? 200 : 503, notReady.map(reason -> "not ready: " + reason + "\n").orElse("ready\n"));
        });
        ExecutorService executor = Executors.newFixedThreadPool(2, new DefaultThreadFactory("cachet-metrics-http", true));
        server.setExecutor(executor);
        server.start();
        return new MetricsServer(server, executor, tls.isPresent());
    }

    /**
     * Where the nodes this configuration describes serve metrics and health, for {@code cachet conf} and
     * {@code cachet tls check}: HTTPS when the configuration gives nodes a TLS identity.
     */
    public static String addresses(CachetConfig config) {
        if (!config.get(CachetKeys.METRICS_ENABLED)) {
            return "off (%s=false)".formatted(CachetKeys.METRICS_ENABLED.name());
        }
        String scheme = TlsSettings.from(config).canServeTls() ? "https" : "http";
        String coordinatorHost = HostAndPort.fromString(config.get(CachetKeys.COORDINATOR_ADDRESS)).getHost();
        return "coordinator %s://%s:%d, worker %s://%s:%d (/metrics, /health/live, /health/ready)".formatted(
                scheme, coordinatorHost, config.get(CachetKeys.COORDINATOR_METRICS_PORT),
                scheme, config.get(CachetKeys.WORKER_HOSTNAME), config.get(CachetKeys.WORKER_METRICS_PORT));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://} or {@code https://}, host and port, for messages. */
    public String url(String host) {
        return (https ? "https" : "http") + "://" + host + ":" + port();
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
