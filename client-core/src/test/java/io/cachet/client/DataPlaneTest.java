package io.cachet.client;

import com.google.common.net.HostAndPort;
import io.cachet.membership.MembershipSource;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.WorkerInfo;
import io.cachet.transfer.TransferProtocol;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class DataPlaneTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** During a rolling upgrade: a worker of an earlier release does not know STATUS frames, and is asked over gRPC instead. */
    @Test
    void aWorkerThatDoesNotAdvertiseStatusFramesIsNeitherSentOneNorConnectedTo() throws IOException {
        try (ServerSocketChannel dataPort = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            dataPort.configureBlocking(false);
            WorkerInfo earlierRelease = WorkerInfo.newBuilder().setId("worker-0").setHost("127.0.0.1").setRpcPort(1)
                    .setDataPort(((InetSocketAddress) dataPort.getLocalAddress()).getPort()).setDc("dc1").setRack("rack1").build();
            assertThat(WorkerAddress.from(earlierRelease).dataProtocol()).as("a worker that does not say").isZero();
            ClientMetrics metrics = new ClientMetrics();
            try (WorkerRouter router = new WorkerRouter(new FixedMembership(earlierRelease), HostAndPort.fromParts("127.0.0.1", 1), new RpcFailures(Optional.empty(), metrics),
                    new RetryPolicy(TIMEOUT), TIMEOUT, 16, metrics, id -> {});
                    DataPlane data = new DataPlane(router, Optional.empty(), metrics, TIMEOUT, TIMEOUT, TIMEOUT, 32)) {
                router.start(Duration.ofMinutes(10));

                assertThat(data.status("/file", router.attempts())).as("left to gRPC").isEmpty();

                // A connection the client opened would be complete, and waiting here, before status returned.
                assertThat(dataPort.accept()).as("no data connection was opened").isNull();
                assertThat(metrics.retries()).isZero();
            }
        }
    }

    /** The same when the owner first asked is a current worker that does not answer and the call moves on to one of an earlier release. */
    @Test
    void aCallMovingOnToAWorkerThatDoesNotAdvertiseStatusFramesDoesNotConnectToItEither() throws IOException {
        try (ServerSocketChannel dataPort = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            dataPort.configureBlocking(false);
            WorkerInfo earlierRelease = WorkerInfo.newBuilder().setId("worker-old").setHost("127.0.0.1").setRpcPort(1)
                    .setDataPort(((InetSocketAddress) dataPort.getLocalAddress()).getPort()).setDc("dc1").setRack("rack1").build();
            WorkerInfo down = WorkerInfo.newBuilder().setId("worker-down").setHost("127.0.0.1").setRpcPort(1).setDataPort(closedPort())
                    .setDataProtocol(TransferProtocol.STATUS_SINCE).setDc("dc1").setRack("rack1").build();
            ClientMetrics metrics = new ClientMetrics();
            try (WorkerRouter router = new WorkerRouter(new FixedMembership(down, earlierRelease), HostAndPort.fromParts("127.0.0.1", 1), new RpcFailures(Optional.empty(), metrics),
                    new RetryPolicy(TIMEOUT), TIMEOUT, 16, metrics, id -> {});
                    DataPlane data = new DataPlane(router, Optional.empty(), metrics, TIMEOUT, TIMEOUT, TIMEOUT, 32)) {
                router.start(Duration.ofMinutes(10));
                String path = IntStream.range(0, 1000).mapToObj(i -> "/file-" + i)
                        .filter(candidate -> {
                            try {
                                return router.owner(candidate, router.attempts()).id().equals("worker-down");
                            }
                            catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        })
                        .findFirst().orElseThrow();

                assertThat(data.status(path, router.attempts())).as("left to gRPC").isEmpty();

                assertThat(metrics.retries()).as("moved on from the worker that is down").isEqualTo(1);
                assertThat(dataPort.accept()).as("no data connection was opened").isNull();
            }
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocketChannel probe = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
    }

    private record FixedMembership(List<WorkerInfo> workers) implements MembershipSource {
        FixedMembership(WorkerInfo... workers) {
            this(List.of(workers));
        }

        @Override
        public Membership fetch() {
            return Membership.newBuilder().setVersion(1).setSettled(true).addAllWorkers(workers).build();
        }

        @Override
        public String describe() {
            return "a fixed list";
        }

        @Override
        public void close() {}
    }
}
