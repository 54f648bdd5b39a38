package io.cachet.metrics;

import com.google.common.net.HostAndPort;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
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
import java.util.Map;
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
    /**
     * The JDK's HTTP server reads each request on one of the executor's threads and, by default, waits for it
     * forever, takes any number of connections and 200 headers: a client that sends one byte would hold a thread
     * (and with it the liveness probe) for good. Its bounds are JVM-wide properties it reads once, when its first
     * server starts: set here before that, unless the operator set them.
     */
    private static final Map<String, String> HTTP_SERVER_BOUNDS = Map.of(
            "sun.net.httpserver.maxReqTime", "10",
            "sun.net.httpserver.maxRspTime", "30",
            "jdk.httpserver.maxConnections", "64",
            "sun.net.httpserver.maxReqHeaders", "64",
            "sun.net.httpserver.maxReqHeaderSize", "16384");

    static {
        HTTP_SERVER_BOUNDS.forEach((name, value) -> {
            if (System.getProperty(name) == null) {
                System.setProperty(name, value);
            }
        });
    }

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
        SSLContext context = tls.map(TlsContexts::jdkServer).orElse(null);
        HttpServer server;
        if (tls.isPresent()) {
            HttpsServer secure = HttpsServer.create();
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
            try {
                server.stop(0);
            }
            catch (RuntimeException alreadyStopped) {
                e.addSuppressed(alreadyStopped);
            }
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
