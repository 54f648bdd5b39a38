package io.cachet.conf;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.cachet.conf.ValueType.BOOLEAN;
import static io.cachet.conf.ValueType.DATA_SIZE_TYPE;
import static io.cachet.conf.ValueType.DURATION_TYPE;
import static io.cachet.conf.ValueType.PORT;
import static io.cachet.conf.ValueType.POSITIVE_INT;
import static io.cachet.conf.ValueType.REGEX;
import static io.cachet.conf.ValueType.STRING;
import static io.cachet.conf.ValueType.STRING_LIST;
import static io.cachet.conf.ValueType.ofEnum;

/** The catalogue of every {@code cachet.*} key. A key that is not declared here is unknown. */
public final class CachetKeys {
    /** What every Cachet key starts with; engines pass on the properties that do. */
    public static final String PREFIX = "cachet.";
    private static final String TLS = PREFIX + "network.tls.";
    /** The Trino connector's own keys start with this: airlift reads them, not Cachet's configuration. */
    public static final String TRINO_PREFIX = PREFIX + "trino.";
    /**
     * {@code cachet.worker.ufs.conf.<hadoop key>} sets a Hadoop key for the worker's Hadoop under-file-system
     * ({@code cachet.worker.ufs.conf.dfs.encrypt.data.transfer=true}); values may be {@code ${file:...}}.
     */
    public static final String WORKER_UFS_CONF_PREFIX = PREFIX + "worker.ufs.conf.";

    // Names annotations need as compile-time constants (airlift's @Config in the Trino connector)
    public static final String COORDINATOR_ADDRESS_NAME = PREFIX + "coordinator.address";
    public static final String TRINO_MAX_SPLIT_SIZE_NAME = TRINO_PREFIX + "max-split-size";

    // TLS: whether, and with what identity
    public static final ConfigKey<Boolean> TLS_ENABLED = ConfigKey.of(TLS + "enabled", BOOLEAN, false,
            "TLS between clients and servers: clients use it, servers require it");
    public static final ConfigKey<String> TLS_KEYSTORE_PATH = ConfigKey.optional(TLS + "keystore.path", STRING,
            "key store (JKS or PKCS#12) holding this node's private key and certificate chain");
    public static final ConfigKey<String> TLS_KEYSTORE_PASSWORD = ConfigKey.secret(TLS + "keystore.password",
            "password of the key store");
    public static final ConfigKey<String> TLS_KEYSTORE_KEY_PASSWORD = ConfigKey.secret(TLS + "keystore.key.password",
            "password of the private key in the key store; defaults to the key store password");
    public static final ConfigKey<String> TLS_KEYSTORE_ALIAS = ConfigKey.optional(TLS + "keystore.alias", STRING,
            "alias of the key to use when the key store holds several; defaults to the first key");
    public static final ConfigKey<StoreType> TLS_KEYSTORE_TYPE = ConfigKey.optional(TLS + "keystore.type", ofEnum(StoreType.class),
            "key store format; detected from the file content when not set");
    public static final ConfigKey<String> TLS_CERTIFICATE_PATH = ConfigKey.optional(TLS + "certificate.path", STRING,
            "PEM certificate chain (leaf first), the alternative to a key store");
    public static final ConfigKey<String> TLS_KEY_PATH = ConfigKey.optional(TLS + "key.path", STRING,
            "PEM private key (PKCS#8 or PKCS#1, plain or encrypted) matching certificate.path");
    public static final ConfigKey<String> TLS_KEY_PASSWORD = ConfigKey.secret(TLS + "key.password",
            "password of an encrypted PEM private key");

    // TLS: whom to trust
    public static final ConfigKey<String> TLS_TRUSTSTORE_PATH = ConfigKey.optional(TLS + "truststore.path", STRING,
            "trust store (JKS, PKCS#12 or a PEM bundle); the JVM's default trust store when not set");
    public static final ConfigKey<String> TLS_TRUSTSTORE_PASSWORD = ConfigKey.secret(TLS + "truststore.password",
            "password of the trust store (not needed for PEM)");
    public static final ConfigKey<String> TLS_TRUSTSTORE_ALIAS = ConfigKey.optional(TLS + "truststore.alias", STRING,
            "trust only this entry of the trust store");
    public static final ConfigKey<StoreType> TLS_TRUSTSTORE_TYPE = ConfigKey.optional(TLS + "truststore.type", ofEnum(StoreType.class),
            "trust store format; detected from the file content when not set");
    public static final ConfigKey<List<String>> TLS_CRL_PATH = ConfigKey.optional(TLS + "crl.path", STRING_LIST,
            "certificate revocation list file(s), PEM or DER, comma-separated; a revoked peer is refused");

    // TLS: policy
    public static final ConfigKey<ClientAuth> TLS_CLIENT_AUTH = ConfigKey.of(TLS + "client.auth", ofEnum(ClientAuth.class), ClientAuth.NONE,
            "whether servers ask clients for a certificate (mutual TLS)");
    public static final ConfigKey<List<String>> TLS_SERVER_PROTOCOLS = ConfigKey.of(TLS + "server.protocols", STRING_LIST, List.of("TLSv1.3", "TLSv1.2"),
            "TLS versions a server accepts");
    public static final ConfigKey<List<String>> TLS_CLIENT_PROTOCOLS = ConfigKey.of(TLS + "client.protocols", STRING_LIST, List.of("TLSv1.3", "TLSv1.2"),
            "TLS versions a client offers");
    public static final ConfigKey<List<String>> TLS_CIPHERS = ConfigKey.optional(TLS + "ciphers", STRING_LIST,
            "cipher suites allowed (AEAD suites only); the modern AEAD suites when not set");
    public static final ConfigKey<Boolean> TLS_CLIENT_NO_ENDPOINT_IDENTIFICATION = ConfigKey.of(TLS + "client.no.endpoint.identification", BOOLEAN, false,
            "skip hostname verification (the certificate chain is still verified)");
    public static final ConfigKey<TlsProviderChoice> TLS_PROVIDER = ConfigKey.of(TLS + "provider", ofEnum(TlsProviderChoice.class), TlsProviderChoice.AUTO,
            "TLS implementation: openssl (BoringSSL via netty-tcnative), jdk, or auto (openssl when available)");
    public static final ConfigKey<Duration> TLS_RELOAD_INTERVAL = ConfigKey.of(TLS + "reload.interval", DURATION_TYPE, Duration.ofSeconds(30),
            "how often key, certificate, trust and CRL files are checked for change; 0 turns reload off");
    public static final ConfigKey<Duration> TLS_EXPIRY_WARNING = ConfigKey.of(TLS + "expiry.warning", DURATION_TYPE, Duration.ofDays(14),
            "warn when this node's certificate expires within this time");
    public static final ConfigKey<Duration> TLS_HANDSHAKE_TIMEOUT = ConfigKey.of(TLS + "handshake.timeout", DURATION_TYPE, Duration.ofSeconds(10),
            "how long a TLS handshake (or the first bytes of a connection) may take");
    public static final ConfigKey<InternodeEncryption> TLS_INTERNODE_ENCRYPTION = ConfigKey.optional(TLS + "internode.encryption", ofEnum(InternodeEncryption.class),
            "server-to-server encryption: none, all, dc, rack or transitional; all when TLS is enabled, else none");

    // Security: who may act as a node, and what a peer may hold
    public static final ConfigKey<Pattern> SECURITY_NODE_PRINCIPAL = ConfigKey.of("cachet.security.node.principal", REGEX,
            Pattern.compile("OU=cachet-node"),
            "which TLS certificates belong to nodes: a regular expression that must match the whole subject DN, one of its RDNs "
                    + "(e.g. OU=cachet-node) or one subject alternative name written DNS:name, IP:address or URI:uri");
    public static final ConfigKey<String> SECURITY_INTERNODE_SECRET = ConfigKey.secret("cachet.security.internode.secret",
            "cluster secret (at least 16 characters, the same on every node; usually ${file:...}) that proves a plaintext server-to-server call "
                    + "comes from a node; never sent, only an HMAC of each call");
    public static final ConfigKey<Duration> SECURITY_INTERNODE_MAX_CLOCK_SKEW = ConfigKey.of("cachet.security.internode.max.clock.skew", DURATION_TYPE,
            Duration.ofMinutes(2), "how far a plaintext server-to-server call's timestamp may be from this node's clock; older calls are replays");
    public static final ConfigKey<Integer> NETWORK_MAX_CONNECTIONS = ConfigKey.of("cachet.network.max.connections", POSITIVE_INT, 4096,
            "connections a listener (each gRPC and data port) holds at once; more are refused");
    public static final ConfigKey<Integer> NETWORK_MAX_CONNECTIONS_PER_ADDRESS = ConfigKey.of("cachet.network.max.connections.per.address", POSITIVE_INT, 512,
            "connections a listener holds at once from one peer address; more are refused");
    public static final ConfigKey<Duration> NETWORK_IDLE_TIMEOUT = ConfigKey.of("cachet.network.idle.timeout", DURATION_TYPE, Duration.ofMinutes(2),
            "a connection that completes no request and sends nothing back for this long is closed (data port: no whole frame; gRPC: no call); "
                    + "clients reuse an idle data connection for half of it");
    public static final ConfigKey<Duration> NETWORK_MAX_CONNECTION_AGE = ConfigKey.of("cachet.network.max.connection.age", DURATION_TYPE, Duration.ofHours(1),
            "a gRPC connection older than this is asked to go away (calls in progress get a minute to finish); clients reconnect");

    // Metrics and health
    public static final ConfigKey<Boolean> METRICS_ENABLED = ConfigKey.of(PREFIX + "metrics.enabled", BOOLEAN, true,
            "serve /metrics (Prometheus) and /health/live, /health/ready on the node's metrics port; HTTPS with the node's TLS identity when it has one");
    public static final ConfigKey<ClientAuth> METRICS_CLIENT_AUTH = ConfigKey.of(PREFIX + "metrics.client.auth", ofEnum(ClientAuth.class), ClientAuth.NONE,
            "whether the HTTPS metrics endpoint asks scrapers for a certificate from the node's trust store");

    // Node placement
    public static final ConfigKey<String> NODE_DC = ConfigKey.of("cachet.node.dc", STRING, "dc1", "this node's data centre, advertised through membership");
    public static final ConfigKey<String> NODE_RACK = ConfigKey.of("cachet.node.rack", STRING, "rack1", "this node's rack, advertised through membership");

    // Coordinator
    public static final ConfigKey<String> COORDINATOR_ADDRESS = ConfigKey.of(COORDINATOR_ADDRESS_NAME, STRING, "localhost:19998",
            "host:port of the coordinator that clients and workers contact");
    public static final ConfigKey<String> COORDINATOR_BIND_HOST = ConfigKey.of("cachet.coordinator.bind.host", STRING, "0.0.0.0",
            "address the coordinator listens on");
    public static final ConfigKey<Integer> COORDINATOR_RPC_PORT = ConfigKey.of("cachet.coordinator.rpc.port", PORT, 19998,
            "coordinator gRPC port");
    public static final ConfigKey<Integer> COORDINATOR_METRICS_PORT = ConfigKey.of(PREFIX + "coordinator.metrics.port", PORT, 19996,
            "coordinator metrics and health port (HTTP, or HTTPS with TLS)");
    public static final ConfigKey<Duration> COORDINATOR_WORKER_TIMEOUT = ConfigKey.of("cachet.coordinator.worker.timeout", DURATION_TYPE, Duration.ofSeconds(30),
            "a worker silent for this long is removed from membership (longer than the GC pauses and CPU starvation the machines see); "
                    + "a coordinator that stalled itself, or finds every worker late at once, gives them this long again instead");

    // Membership
    public static final ConfigKey<MembershipStore> MEMBERSHIP_STORE = ConfigKey.of("cachet.membership.store", ofEnum(MembershipStore.class),
            MembershipStore.COORDINATOR,
            "where workers register and clients find them: coordinator, or etcd (workers hold leases in etcd; clients and the coordinator read it, "
                    + "so clients keep working while the coordinator is down)");
    public static final ConfigKey<List<String>> ETCD_ENDPOINTS = ConfigKey.optional(PREFIX + "etcd.endpoints", STRING_LIST,
            "etcd client URLs, comma-separated (etcd's --advertise-client-urls): https://host:2379 for TLS, http://host:2379 for plaintext");
    public static final ConfigKey<String> ETCD_NAMESPACE = ConfigKey.of(PREFIX + "etcd.namespace", STRING, "/cachet/default",
            "key prefix under which this cluster keeps its workers in etcd; one per cluster");
    public static final ConfigKey<Duration> ETCD_TIMEOUT = ConfigKey.of(PREFIX + "etcd.timeout", DURATION_TYPE, Duration.ofSeconds(10),
            "deadline of each etcd request, connection attempt and TLS handshake");
    public static final ConfigKey<Duration> ETCD_LEASE_TTL = ConfigKey.of(PREFIX + "etcd.lease.ttl", DURATION_TYPE, Duration.ofSeconds(30),
            "life of a worker's etcd lease, renewed every cachet.worker.heartbeat.interval; a worker silent this long leaves membership");
    public static final ConfigKey<String> ETCD_TLS_CA_PATH = ConfigKey.optional(PREFIX + "etcd.tls.ca.path", STRING,
            "PEM file of the CA(s) that issued the etcd servers' certificates (etcdctl --cacert); the JVM's default trust store when not set");
    public static final ConfigKey<String> ETCD_TLS_CERTIFICATE_PATH = ConfigKey.optional(PREFIX + "etcd.tls.certificate.path", STRING,
            "PEM client certificate chain for etcd's --client-cert-auth (etcdctl --cert)");
    public static final ConfigKey<String> ETCD_TLS_KEY_PATH = ConfigKey.optional(PREFIX + "etcd.tls.key.path", STRING,
            "PEM private key of the etcd client certificate (etcdctl --key)");
    public static final ConfigKey<String> ETCD_TLS_KEY_PASSWORD = ConfigKey.secret(PREFIX + "etcd.tls.key.password",
            "password of an encrypted etcd client key");
    public static final ConfigKey<Boolean> ETCD_TLS_NO_ENDPOINT_IDENTIFICATION = ConfigKey.of(PREFIX + "etcd.tls.no.endpoint.identification", BOOLEAN, false,
            "skip the check that an etcd server's certificate names the endpoint's host (the chain is still verified)");

    // Worker
    public static final ConfigKey<String> WORKER_HOSTNAME = ConfigKey.of("cachet.worker.hostname", STRING, "localhost",
            "host name the worker advertises to clients (must match its certificate's SANs)");
    public static final ConfigKey<String> WORKER_BIND_HOST = ConfigKey.of("cachet.worker.bind.host", STRING, "0.0.0.0",
            "address the worker listens on");
    public static final ConfigKey<Integer> WORKER_RPC_PORT = ConfigKey.of("cachet.worker.rpc.port", PORT, 29999, "worker gRPC port");
    public static final ConfigKey<Integer> WORKER_DATA_PORT = ConfigKey.of("cachet.worker.data.port", PORT, 29997, "worker data (page transfer) port");
    public static final ConfigKey<Integer> WORKER_METRICS_PORT = ConfigKey.of(PREFIX + "worker.metrics.port", PORT, 29996,
            "worker metrics and health port (HTTP, or HTTPS with TLS)");
    public static final ConfigKey<String> WORKER_UFS_ROOT = ConfigKey.optional("cachet.worker.ufs.root", STRING,
            "root of the under-file-system (a local directory or file:// URI) that workers read through to");
    public static final ConfigKey<String> WORKER_UFS_URI = ConfigKey.optional("cachet.worker.ufs.uri", STRING,
            "instead of cachet.worker.ufs.root: a Hadoop FileSystem URI (hdfs://, s3a://, gs://, abfs://, file://) whose path is the "
                    + "under-file-system root; nothing above that path is reachable");
    public static final ConfigKey<List<String>> WORKER_UFS_CONFIG_RESOURCES = ConfigKey.of("cachet.worker.ufs.config.resources", STRING_LIST, List.of(),
            "Hadoop configuration files (core-site.xml, hdfs-site.xml) for cachet.worker.ufs.uri, comma-separated; "
                    + WORKER_UFS_CONF_PREFIX + "* keys override them");
    public static final ConfigKey<String> WORKER_CACHE_DIR = ConfigKey.optional("cachet.worker.cache.dir", STRING,
            "local directory for cached pages and the worker's identity");
    public static final ConfigKey<Long> WORKER_CACHE_SIZE = ConfigKey.of("cachet.worker.cache.size", DATA_SIZE_TYPE, 1L << 30,
            "bytes of pages the worker keeps on local disk");
    public static final ConfigKey<Long> WORKER_PAGE_SIZE = ConfigKey.of("cachet.worker.page.size", ValueType.dataSizeBetween(4 << 10, 16 << 20), 1L << 20,
            "size of a cached page");
    public static final ConfigKey<Long> WORKER_CACHE_STORE_PENDING = ConfigKey.of("cachet.worker.cache.store.pending", ValueType.dataSizeBetween(0, 1L << 30),
            64L << 20, "bytes of pages read for clients that may wait to be written to the cache after they are served; a page beyond that "
                    + "is served but not cached this time (cachet_worker_pages_not_cached); 0 writes each page to the cache before serving it");
    public static final ConfigKey<Duration> WORKER_HEARTBEAT_INTERVAL = ConfigKey.of("cachet.worker.heartbeat.interval", DURATION_TYPE, Duration.ofSeconds(3),
            "how often a worker reports to the coordinator");
    public static final ConfigKey<Duration> WORKER_PEER_FETCH_WINDOW = ConfigKey.of("cachet.worker.peer.fetch.window", DURATION_TYPE, Duration.ofMinutes(10),
            "for how long after a membership change a worker asks a path's previous owner for pages it misses, before the under-file-system; 0 turns it off");
    public static final ConfigKey<Duration> WORKER_PEER_FETCH_MIN_AGE = ConfigKey.of("cachet.worker.peer.fetch.min.age", DURATION_TYPE, Duration.ofMinutes(1),
            "a previous owner is asked for pages only if it had been serving this long when the membership changed (workers that start together ask nobody)");
    public static final ConfigKey<Duration> WORKER_ABANDONED_WRITE_AGE = ConfigKey.of("cachet.worker.abandoned.write.age", DURATION_TYPE, Duration.ofHours(1),
            "temporary files of unfinished writes older than this are removed (at start and then periodically); a writer idle this long has lost its connection");
    public static final ConfigKey<FileTransferMode> WORKER_FILE_TRANSFER = ConfigKey.of("cachet.worker.network.netty.file.transfer",
            ofEnum(FileTransferMode.class), FileTransferMode.AUTO,
            "how cached pages are sent: auto, transfer (zero-copy, plaintext only) or mapped");

    // Client
    public static final ConfigKey<Duration> CLIENT_RPC_TIMEOUT = ConfigKey.of("cachet.client.rpc.timeout", DURATION_TYPE, Duration.ofSeconds(30),
            "deadline of every client call");
    public static final ConfigKey<Duration> CLIENT_MEMBERSHIP_REFRESH = ConfigKey.of("cachet.client.membership.refresh.interval", DURATION_TYPE, Duration.ofSeconds(10),
            "how often a client refreshes the worker list");
    public static final ConfigKey<Long> CLIENT_READ_AHEAD = ConfigKey.of("cachet.client.read.ahead", DATA_SIZE_TYPE, 4L << 20,
            "bytes a sequential reader fetches ahead");
    public static final ConfigKey<Duration> CLIENT_RETRY_BUDGET = ConfigKey.of("cachet.client.retry.budget", DURATION_TYPE, Duration.ofSeconds(20),
            "how long a call keeps trying the next owners (and waiting out a worker's restart) before it fails");
    public static final ConfigKey<Duration> CLIENT_WORKER_SUSPICION = ConfigKey.of("cachet.client.worker.suspicion", DURATION_TYPE, Duration.ofSeconds(30),
            "how long a worker that did not answer is skipped, unless it registers again meanwhile");
    public static final ConfigKey<Duration> CLIENT_FRAME_TIMEOUT = ConfigKey.of("cachet.client.frame.timeout", DURATION_TYPE, Duration.ofMinutes(2),
            "how long a client waits for the next part of a read or write answer (a page read cold from slow storage)");
    public static final ConfigKey<Integer> CLIENT_IDLE_CONNECTIONS = ConfigKey.of("cachet.client.idle.connections", POSITIVE_INT, 32,
            "idle data connections a client keeps open to each worker: as many as its threads that call one worker at once, "
                    + "or fewer to spare sockets on big clusters at the cost of a TLS handshake when more are needed");
    public static final ConfigKey<Integer> ROUTING_VIRTUAL_NODES = ConfigKey.of("cachet.routing.virtual.nodes", POSITIVE_INT, 256,
            "virtual nodes per worker on the hash ring");

    // Engines
    public static final ConfigKey<Boolean> SPARK_SHIP_TRUSTSTORE = ConfigKey.of("cachet.spark.ship.truststore", BOOLEAN, false,
            "the Spark driver ships its trusted certificates to executors, which then need no trust store file");

    /**
     * The keys a client reads whose cluster-wide value clients should share: TLS on or off, whom to
     * trust, protocols, the coordinator, client tuning. What only servers read (listeners, the cluster
     * secret, node placement) and a party's own identity (key store, PEM key) are not among them: handing
     * a server's settings to clients passes these and nothing else, and a client with a certificate of
     * its own names it itself.
     */
    private static final Set<ConfigKey<?>> CLIENT_SETTINGS = Set.of(
            TLS_ENABLED, TLS_TRUSTSTORE_PATH, TLS_TRUSTSTORE_PASSWORD, TLS_TRUSTSTORE_ALIAS, TLS_TRUSTSTORE_TYPE, TLS_CRL_PATH,
            TLS_CLIENT_PROTOCOLS, TLS_CIPHERS, TLS_CLIENT_NO_ENDPOINT_IDENTIFICATION, TLS_PROVIDER, TLS_RELOAD_INTERVAL, TLS_HANDSHAKE_TIMEOUT,
            NETWORK_IDLE_TIMEOUT, COORDINATOR_ADDRESS, MEMBERSHIP_STORE, ETCD_ENDPOINTS, ETCD_NAMESPACE, ETCD_TIMEOUT, ETCD_TLS_CA_PATH,
            ETCD_TLS_NO_ENDPOINT_IDENTIFICATION, CLIENT_RPC_TIMEOUT, CLIENT_MEMBERSHIP_REFRESH, CLIENT_READ_AHEAD, CLIENT_RETRY_BUDGET,
            CLIENT_WORKER_SUSPICION, CLIENT_FRAME_TIMEOUT, CLIENT_IDLE_CONNECTIONS, ROUTING_VIRTUAL_NODES,
            SPARK_SHIP_TRUSTSTORE);

    private static final Map<String, ConfigKey<?>> ALL = Stream.of(CachetKeys.class.getFields())
            .filter(field -> field.getType() == ConfigKey.class)
            .map(CachetKeys::constant)
            .collect(Collectors.toUnmodifiableMap(ConfigKey::name, Function.identity()));

    private CachetKeys() {}

    /** The declared key nearest to a mistyped one, for "did you mean" messages. */
    public static String closest(String unknown) {
        return KeySuggestion.closest(unknown);
    }

    /** Every declared key, by name. */
    public static Map<String, ConfigKey<?>> all() {
        return ALL;
    }

    /** Whether clients share the cluster's value of this key (see {@link #CLIENT_SETTINGS}). */
    public static boolean isClientSetting(String name) {
        ConfigKey<?> key = ALL.get(name);
        return key != null && CLIENT_SETTINGS.contains(key);
    }

    private static ConfigKey<?> constant(Field field) {
        try {
            return (ConfigKey<?>) field.get(null);
        }
        catch (IllegalAccessException e) {
            throw new LinkageError("cannot read " + field, e);
        }
    }
}
