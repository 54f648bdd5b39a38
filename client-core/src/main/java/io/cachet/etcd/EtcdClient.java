package io.cachet.etcd;

import com.google.protobuf.ByteString;
import io.cachet.conf.CachetKeys;
import io.cachet.etcd.proto.KVGrpc;
import io.cachet.etcd.proto.KeyValue;
import io.cachet.etcd.proto.LeaseGrantRequest;
import io.cachet.etcd.proto.LeaseGrantResponse;
import io.cachet.etcd.proto.LeaseGrpc;
import io.cachet.etcd.proto.LeaseKeepAliveRequest;
import io.cachet.etcd.proto.LeaseKeepAliveResponse;
import io.cachet.etcd.proto.LeaseRevokeRequest;
import io.cachet.etcd.proto.MaintenanceGrpc;
import io.cachet.etcd.proto.RangeRequest;
import io.cachet.etcd.proto.RangeResponse;
import io.cachet.etcd.proto.StatusRequest;
import io.cachet.etcd.proto.TxnRequest;
import io.cachet.etcd.proto.TxnResponse;
import io.cachet.etcd.proto.WatchCreateRequest;
import io.cachet.etcd.proto.WatchGrpc;
import io.cachet.etcd.proto.WatchRequest;
import io.cachet.etcd.proto.WatchResponse;
import io.cachet.rpc.GrpcChannels;
import io.cachet.rpc.TransportFailures;
import io.cachet.tls.CertificateDetails;
import io.cachet.tls.HandshakeFailures;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsMaterial;
import io.cachet.tls.TlsMaterialWatcher;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;

import javax.net.ssl.SSLException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A small etcd v3 client over Cachet's own gRPC and TLS: ranges, transactions, leases and watches,
 * which is all membership needs. Each call goes to the endpoint that answered last and moves on to the
 * next when one does not answer; TLS material is watched and reloaded like the cluster's own, so a
 * rotated client certificate serves every connection opened after the rotation.
 */
public final class EtcdClient implements AutoCloseable {
    private final EtcdSettings settings;
    private final Optional<TlsContexts> tls;
    private final Optional<TlsMaterialWatcher> watcher;
    private final ConcurrentHashMap<URI, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile int preferred;
    private volatile boolean closed;

    private EtcdClient(EtcdSettings settings, Optional<TlsContexts> tls, Optional<TlsMaterialWatcher> watcher) {
        this.settings = settings;
        this.tls = tls;
        this.watcher = watcher;
    }

    /** Loads the TLS material (failing with the key to fix) and prepares channels; nothing is sent yet. */
    public static EtcdClient create(EtcdSettings settings) {
        if (!settings.tls().enabled()) {
            return new EtcdClient(settings, Optional.empty(), Optional.empty());
        }
        TlsMaterial material = TlsMaterial.load(settings.tls());
        return new EtcdClient(settings, Optional.of(TlsContexts.create(settings.tls(), material)),
                Optional.of(TlsMaterialWatcher.start(material, settings.tls())));
    }

    public EtcdSettings settings() {
        return settings;
    }

    /** The endpoints, for messages: {@code etcd at https://a:2379, https://b:2379}. */
    public String describe() {
        return "etcd at " + String.join(", ", settings.endpoints().stream().map(URI::toString).toList());
    }

    /** The subject of the client certificate that new connections present, if any; it changes when rotated files are reloaded. */
    public Optional<String> tlsIdentitySubject() {
        return tls.flatMap(contexts -> contexts.material().identity()).map(identity -> CertificateDetails.subject(identity.leaf()));
    }

    /** At most {@code limit} keys under {@code prefix} ({@code more} says whether there were others), with the revision they were read at. */
    public RangeResponse rangePrefix(String prefix, long limit) throws IOException {
        ByteString key = bytes(prefix);
        RangeRequest request = RangeRequest.newBuilder().setKey(key).setRangeEnd(prefixEnd(key)).setLimit(limit).build();
        return call("read " + prefix, channel -> KVGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMillis(), TimeUnit.MILLISECONDS).range(request));
    }

    public Optional<KeyValue> get(String key) throws IOException {
        RangeRequest request = RangeRequest.newBuilder().setKey(bytes(key)).build();
        RangeResponse response = call("read " + key, channel -> KVGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMillis(), TimeUnit.MILLISECONDS).range(request));
        return response.getKvsList().stream().findFirst();
    }

    public TxnResponse txn(TxnRequest request, String what) throws IOException {
        return call(what, channel -> KVGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMillis(), TimeUnit.MILLISECONDS).txn(request));
    }

    /** A new lease of {@code ttlSeconds}; its id. */
    public long grantLease(long ttlSeconds) throws IOException {
        LeaseGrantResponse response = call("grant a lease", channel -> LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMillis(), TimeUnit.MILLISECONDS)
                .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build()));
        if (!response.getError().isEmpty()) {
            throw new IOException("%s refused a lease: %s".formatted(describe(), response.getError()));
        }
        return response.getID();
    }

    public void revokeLease(long lease) throws IOException {
        call("revoke a lease", channel -> LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMillis(), TimeUnit.MILLISECONDS)
                .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build()));
    }

    /**
     * Renews {@code lease} once.
     *
     * @return the seconds the lease now has to live; 0 when it has already expired
     */
    public long keepAlive(long lease) throws IOException {
        return call("renew a lease", channel -> {
            CompletableFuture<LeaseKeepAliveResponse> answer = new CompletableFuture<>();
            StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(channel).withDeadlineAfter(timeoutMillis(), TimeUnit.MILLISECONDS)
                    .leaseKeepAlive(new StreamObserver<>() {
                        @Override
                        public void onNext(LeaseKeepAliveResponse response) {
                            answer.complete(response);
                        }

                        @Override
                        public void onError(Throwable failure) {
                            answer.completeExceptionally(failure);
                        }

                        @Override
                        public void onCompleted() {
                            answer.completeExceptionally(Status.UNAVAILABLE.withDescription("etcd closed the keep-alive stream without an answer").asRuntimeException());
                        }
                    });
            requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
            try {
                return answer.get(timeoutMillis(), TimeUnit.MILLISECONDS).getTTL();
            }
            catch (ExecutionException e) {
                throw e.getCause() instanceof StatusRuntimeException status ? status : Status.fromThrowable(e.getCause()).asRuntimeException();
            }
            catch (TimeoutException e) {
                throw Status.DEADLINE_EXCEEDED.withDescription("no keep-alive answer within " + settings.timeout()).asRuntimeException();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
            }
            finally {
                requests.onCompleted();
            }
        });
    }

    /** The etcd server's version, from the first endpoint that answers: a check that etcd is reachable with these settings. */
    public String serverVersion() throws IOException {
        return call("read the server status", channel -> MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMillis(), TimeUnit.MILLISECONDS)
                .status(StatusRequest.getDefaultInstance())).getVersion();
    }

    /**
     * Watches every key under {@code prefix} from {@code revision} on, on the preferred endpoint; {@code events}
     * hears each response and, when the watch ends (etcd unreachable, the client closed), its error. Cancel
     * it with {@link Watch#cancel()}.
     */
    public Watch watchPrefix(String prefix, long revision, StreamObserver<WatchResponse> events) throws IOException {
        ByteString key = bytes(prefix);
        ManagedChannel channel = channel(settings.endpoints().get(preferred));
        Watch watch = new Watch(events);
        StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(watch);
        requests.onNext(WatchRequest.newBuilder()
                .setCreateRequest(WatchCreateRequest.newBuilder().setKey(key).setRangeEnd(prefixEnd(key)).setStartRevision(revision))
                .build());
        return watch;
    }

    /** A running watch; cancelling it ends the stream without an error to its observer. */
    public static final class Watch implements ClientResponseObserver<WatchRequest, WatchResponse> {
        private final StreamObserver<WatchResponse> events;
        private volatile ClientCallStreamObserver<WatchRequest> call;
        private volatile boolean cancelled;

        private Watch(StreamObserver<WatchResponse> events) {
            this.events = events;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
            this.call = requestStream;
        }

        @Override
        public void onNext(WatchResponse response) {
            if (!cancelled) {
                events.onNext(response);
            }
        }

        @Override
        public void onError(Throwable failure) {
            if (!cancelled) {
                events.onError(failure);
            }
        }

        @Override
        public void onCompleted() {
            if (!cancelled) {
                events.onCompleted();
            }
        }

        public void cancel() {
            cancelled = true;
            ClientCallStreamObserver<WatchRequest> running = call;
            if (running != null) {
                running.cancel("watch cancelled", null);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        watcher.ifPresent(TlsMaterialWatcher::close);
        channels.values().forEach(GrpcChannels::close);
        channels.clear();
    }

    /** Runs {@code call} on each endpoint in turn, starting with the one that answered last, until one answers. */
    private <T> T call(String what, Function<ManagedChannel, T> call) throws IOException {
        List<URI> endpoints = settings.endpoints();
        List<IOException> failures = new ArrayList<>();
        int first = preferred;
        for (int i = 0; i < endpoints.size(); i++) {
            int index = (first + i) % endpoints.size();
            URI endpoint = endpoints.get(index);
            try {
                T result = call.apply(channel(endpoint));
                preferred = index;
                return result;
            }
            catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.CANCELLED && Thread.currentThread().isInterrupted()) {
                    throw new InterruptedIOException("interrupted while trying to " + what + " in etcd");
                }
                failures.add(explain(e, endpoint, what));
            }
        }
        if (failures.size() == 1) {
            throw failures.get(0);
        }
        IOException all = new IOException("No etcd endpoint could %s: %s".formatted(what,
                String.join("; ", failures.stream().map(Throwable::getMessage).toList())), failures.get(0));
        failures.stream().skip(1).forEach(all::addSuppressed);
        throw all;
    }

    /** The failure as people need it: the endpoint, what went wrong, and which key to change. */
    private IOException explain(StatusRuntimeException e, URI endpoint, String what) {
        InetSocketAddress address = new InetSocketAddress(endpoint.getHost(), endpoint.getPort());
        String peer = "etcd endpoint " + endpoint;
        if (tls.isPresent()) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof SSLException || cause instanceof CertificateException) {
                    return new IOException("%s: %s".formatted(peer, HandshakeFailures.explainClientFailure(cause, address, tls.get()).getMessage()), e);
                }
            }
        }
        // A plaintext etcd drops a ClientHello: the channel is closed, or reset (epoll reports a reset when the
        // server closes with our bytes unread). A probe tells that apart from a TLS server that closed on us.
        boolean closedOrReset = TransportFailures.causedBy(e, ClosedChannelException.class)
                || (TransportFailures.causedBy(e, IOException.class) && !TransportFailures.causedBy(e, ConnectException.class));
        if (tls.isPresent() && e.getStatus().getCode() == Status.Code.UNAVAILABLE && closedOrReset) {
            Optional<IOException> plaintext = HandshakeFailures.explainClosedByPlaintextServer(address, settings.timeout(), e, settings.tls().keys())
                    .map(explained -> new IOException("%s: %s".formatted(peer, explained.getMessage()), e));
            if (plaintext.isPresent()) {
                return plaintext.get();
            }
        }
        if (TransportFailures.causedBy(e, ConnectException.class)) {
            return new IOException("Cannot connect to %s: nothing listens there (connection refused). Fix: start etcd, or correct %s"
                    .formatted(peer, CachetKeys.ETCD_ENDPOINTS.name()), e);
        }
        if (tls.isEmpty() && e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
            IOException explained = HandshakeFailures.explainPlaintextClientRefused(address, settings.timeout(), e, settings.tls().keys());
            if (explained instanceof SSLException) {
                return new IOException("%s: %s".formatted(peer, explained.getMessage()), e);
            }
        }
        if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return new IOException("%s did not answer within %s (trying to %s). Fix: check that etcd runs there and is healthy, or raise %s"
                    .formatted(peer, settings.timeout(), what, CachetKeys.ETCD_TIMEOUT.name()), e);
        }
        return new IOException("%s failed to %s: %s".formatted(peer, what, TransportFailures.oneLine(e)), e);
    }

    /** The endpoint's channel; none once closed, so nothing opened after {@link #close()} outlives it. */
    private ManagedChannel channel(URI endpoint) throws IOException {
        ManagedChannel channel = channels.computeIfAbsent(endpoint, uri -> GrpcChannels.open(uri.getHost(), uri.getPort(), tls));
        if (closed) {
            channels.remove(endpoint, channel);
            GrpcChannels.close(channel);
            throw new IOException("The etcd client for %s is closed".formatted(describe()));
        }
        return channel;
    }

    private long timeoutMillis() {
        return settings.timeout().toMillis();
    }

    static ByteString bytes(String key) {
        return ByteString.copyFrom(key, StandardCharsets.UTF_8);
    }

    /** etcd's range end for "every key that starts with {@code prefix}": the prefix with its last byte plus one. */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }
}
