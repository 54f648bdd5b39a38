package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.minicluster.MiniCluster;
import io.cachet.testing.Eventually;
import io.cachet.tls.TestPki;
import io.cachet.worker.WorkerServer;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a peer can hold on a listener is bounded: frame size, idle time after the handshake, and
 * connections per address and per listener. Each attack runs over real sockets, with a healthy client
 * beside it.
 */
@Timeout(240)
class ListenerLimitsTest {
    private static final byte[] PREFACE = {'C', 'A', 'C', 'H', 'E', 'T', 0, 1};
    private static final byte WRITE_DATA = 6;
    private static final long MIB = 1 << 20;

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintextWithCa("Idle CA");

    @Test
    void framesClaimingMoreThanAClientSendsAreRefusedAtOnceAndNothingIsHeld() throws Exception {
        MiniCluster cluster = clusters.start(builder -> builder.workers(1));
        CachetClient client = clusters.client(cluster);
        WorkerServer worker = cluster.workerServer(0);
        // Growth is measured in the allocator's chunks (2 MiB): a few of them, against the 48 MiB the attack sent.
        // The same traffic as the healthy client's below, so buffer pools are as warm before as after.
        for (int i = 0; i < 5; i++) {
            String path = "/healthy/file-" + i;
            ClusterFiles.write(client, path, 300_000);
            ClusterFiles.read(client, path);
        }
        long directBefore = directMemory();
        long heapBefore = heapAfterGc();

        AtomicBoolean attacking = new AtomicBoolean(true);
        AtomicInteger healthyOperations = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(13);
        try {
            Future<?> healthy = threads.submit(() -> {
                for (int i = 0; attacking.get() || i < 5; i++) {
                    String path = "/healthy/file-" + (i % 5);
                    ClusterFiles.write(client, path, 300_000);
                    assertThat(ClusterFiles.read(client, path)).isEqualTo(ClusterFiles.content(path, 300_000));
                    healthyOperations.incrementAndGet();
                }
                return null;
            });
            // 12 connections, each claiming a 48 MiB frame and sending up to 4 MiB of it: 48 MiB held, had the worker buffered them.
            List<Future<String>> attackers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                attackers.add(threads.submit(() -> {
                    try (Socket socket = new Socket("127.0.0.1", worker.dataPort())) {
                        socket.setSoTimeout((int) Eventually.TIMEOUT.toMillis());
                        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                        out.write(PREFACE);
                        out.writeInt((int) (48 * MIB));
                        out.writeByte(WRITE_DATA);
                        try {
                            byte[] chunk = new byte[64 << 10];
                            for (long sent = 0; sent < 4 * MIB; sent += chunk.length) {
                                out.write(chunk);
                            }
                            out.flush();
                        }
                        catch (SocketException closedByTheWorker) {
                            // refused while still sending
                        }
                        return answer(socket.getInputStream());
                    }
                }));
            }
            for (Future<String> attacker : attackers) {
                assertThat(attacker.get(120, TimeUnit.SECONDS)).as("the worker's answer to a 48 MiB frame").contains("a frame larger than");
            }
            attacking.set(false);
            healthy.get(120, TimeUnit.SECONDS);
        }
        finally {
            attacking.set(false);
            threads.shutdownNow();
            threads.awaitTermination(30, TimeUnit.SECONDS);
        }
        assertThat(healthyOperations.get()).as("a healthy client was served throughout").isPositive();
        Eventually.await("the refused connections are closed", () -> worker.connections().openConnections() <= 2);
        long directGrowth = directMemory() - directBefore;
        long heapGrowth = heapAfterGc() - heapBefore;
        System.out.printf("Frame flood: direct memory %+d KiB, heap after GC %+d KiB, %d healthy write+read pairs%n",
                directGrowth >> 10, heapGrowth >> 10, healthyOperations.get());
        assertThat(directGrowth).as("direct memory growth (bytes)").isLessThan(12 * MIB);
        assertThat(heapGrowth).as("heap growth after GC (bytes)").isLessThan(32 * MIB);
    }

    @Test
    void connectionsThatStayIdleOrDripBytesAfterTheHandshakeAreClosedOnBothPlanes() throws Exception {
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).properties(clusters.tlsNodeSettings()).property("cachet.network.idle.timeout", "3s"));
        WorkerServer worker = cluster.workerServer(0);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {TestPki.contexts(clusters.pki().trustSettings()).material().trustManager()}, null);

        try (SSLSocket idle = tls(context, worker.dataPort(), false); SSLSocket dripping = tls(context, worker.dataPort(), false);
                SSLSocket idleGrpc = tls(context, worker.rpcPort(), true)) {
            idle.getOutputStream().write(PREFACE);
            idle.getOutputStream().flush();
            idleGrpc.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            idleGrpc.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            idleGrpc.getOutputStream().flush();
            DataOutputStream drip = new DataOutputStream(dripping.getOutputStream());
            drip.write(PREFACE);
            drip.writeInt(1000);
            drip.flush();
            // A byte at a time, never a whole frame: it must not count as activity.
            ExecutorService dripThread = Executors.newSingleThreadExecutor();
            Future<Integer> dripper = dripThread.submit(() -> {
                int sent = 0;
                try {
                    while (sent < 120) {
                        drip.write(WRITE_DATA);
                        drip.flush();
                        sent++;
                        Thread.sleep(500);
                    }
                }
                catch (IOException closed) {
                    // the worker closed it
                }
                return sent;
            });
            assertThat(answer(idle.getInputStream())).as("idle data connection").isEqualTo("closed");
            assertThat(answer(idleGrpc.getInputStream())).as("idle gRPC connection (after the server's SETTINGS and GOAWAY)").isEqualTo("closed");
            try {
                assertThat(dripper.get(120, TimeUnit.SECONDS)).as("bytes dripped before the worker closed the connection").isLessThan(120);
            }
            finally {
                dripThread.shutdownNow();
            }
        }
        Eventually.await("the worker holds no connection", () -> worker.connections().openConnections() == 0);
    }

    @Test
    void connectionsArePerAddressAndPerListenerBounded() throws Exception {
        MiniCluster cluster = clusters.start(builder -> builder.workers(1)
                .property("cachet.network.max.connections.per.address", "4")
                .property("cachet.network.max.connections", "8"));
        WorkerServer worker = cluster.workerServer(0);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                held.add(connect(worker.dataPort(), "127.0.0.2"));
            }
            // The worker takes connections on two event loops: wait until it counted these before the next one comes.
            Eventually.await("four connections held", () -> worker.connections().openConnections() == 4);
            long refusedBefore = worker.connections().refusedConnections();
            try (Socket fifth = connect(worker.dataPort(), "127.0.0.2")) {
                assertThat(answer(fifth.getInputStream())).as("a fifth connection from one address").isEqualTo("closed");
            }
            assertThat(worker.connections().refusedConnections()).isEqualTo(refusedBefore + 1);
            for (int i = 0; i < 4; i++) {
                held.add(connect(worker.dataPort(), "127.0.0.3"));
            }
            Eventually.await("eight connections held", () -> worker.connections().openConnections() == 8);
            try (Socket ninth = connect(worker.dataPort(), "127.0.0.4")) {
                assertThat(answer(ninth.getInputStream())).as("a ninth connection to a full listener").isEqualTo("closed");
            }
            assertThat(worker.connections().refusedConnections()).isEqualTo(refusedBefore + 2);
        }
        finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        Eventually.await("the permits are given back", () -> worker.connections().openConnections() == 0);
        try (CachetClient client = cluster.newClient()) {
            ClusterFiles.write(client, "/after/file.bin", 100_000);
            assertThat(ClusterFiles.read(client, "/after/file.bin")).isEqualTo(ClusterFiles.content("/after/file.bin", 100_000));
        }
    }

    /** A plaintext data connection from {@code source} (127.0.0.x stands for another host) that has sent the preface. */
    private static Socket connect(int port, String source) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout((int) Eventually.TIMEOUT.toMillis());
        socket.getOutputStream().write(PREFACE);
        socket.getOutputStream().flush();
        return socket;
    }

    private static SSLSocket tls(SSLContext context, int port, boolean http2) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port);
        socket.setSoTimeout((int) Eventually.TIMEOUT.toMillis());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (http2) {
            parameters.setApplicationProtocols(new String[] {"h2"});
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    /** What the peer sent until it closed the connection ("closed" when nothing); fails the test by timing out if it never closes. */
    private static String answer(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[8192];
        try {
            for (int read; (read = in.read(buffer)) >= 0; ) {
                text.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
            }
        }
        catch (SocketException reset) {
            // closed with unread data on our side
        }
        // A refusal explains itself in an ERROR frame; an idle close may send protocol bytes (gRPC's GOAWAY) but no explanation.
        return text.toString().contains("frame") ? text.toString() : "closed";
    }

    private static long directMemory() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum() + Math.max(0, PlatformDependent.usedDirectMemory());
    }

    private static long heapAfterGc() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
