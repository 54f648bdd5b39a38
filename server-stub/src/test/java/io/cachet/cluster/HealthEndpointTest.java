package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.client.CachetOutputStream;
import io.cachet.conf.CachetKeys;
import io.cachet.minicluster.MiniCluster;
import io.cachet.testing.Eventually;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /health/live} and {@code /health/ready} as a Kubernetes probe sees them while a node starts and
 * stops. Plaintext: the endpoint is plain HTTP when the node has no TLS identity ({@link MetricsEndpointTest}
 * covers it over TLS).
 */
@Timeout(300)
class HealthEndpointTest {
    private static final HttpClient PLAIN_HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintext();

    @Test
    void theCoordinatorIsNotReadyUntilItsMembershipHasSettled() throws Exception {
        // No workers: the coordinator is up at once, and unsettled for 15 s after its start, far longer than the first
        // request below takes on a busy machine.
        MiniCluster cluster = clusters.start(builder -> builder.workers(0)
                .coordinatorProperties(Map.of(CachetKeys.COORDINATOR_WORKER_TIMEOUT.name(), "15s")));
        String coordinator = "http://localhost:" + cluster.coordinatorMetricsPort();
        HttpResponse<String> unsettled = get(coordinator + "/health/ready");
        assertThat(unsettled.statusCode()).as(unsettled.body()).isEqualTo(503);
        assertThat(unsettled.body()).contains("not settled");
        assertThat(get(coordinator + "/health/live").statusCode()).isEqualTo(200);
        Eventually.await("the coordinator ready once its worker timeout has passed", () -> get(coordinator + "/health/ready").statusCode() == 200);
    }

    @Test
    void aDrainingWorkerIsLiveButNotReady() throws Exception {
        MiniCluster cluster = clusters.start(builder -> builder.workers(1));
        CachetClient client = clusters.client(cluster);
        String worker = "http://localhost:" + cluster.workerMetricsPort(0);
        Eventually.await("the registered worker ready", () -> get(worker + "/health/ready").statusCode() == 200);

        // A write in progress keeps the stopping worker draining until it is committed.
        CachetOutputStream write = client.create("/draining/file", true, true);
        write.write(new byte[64 << 10]);
        write.flush();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> cluster.workers().get(0).close());
        Eventually.await("the draining worker not ready", () -> {
            HttpResponse<String> ready = get(worker + "/health/ready");
            return ready.statusCode() == 503 && ready.body().contains("draining");
        });
        assertThat(get(worker + "/health/live").statusCode()).as("alive while draining").isEqualTo(200);
        write.close();
        stopping.get(Eventually.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
    private static HttpResponse<String> get(String url) throws Exception {
        return PLAIN_HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
