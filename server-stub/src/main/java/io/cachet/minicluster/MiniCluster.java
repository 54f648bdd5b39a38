package io.cachet.minicluster;

import io.cachet.client.CachetClient;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.coordinator.CoordinatorServer;
import io.cachet.worker.WorkerServer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import static java.util.Objects.requireNonNull;

/**
 * A coordinator and N workers on loopback, for tests and for {@code cachet local}: in this JVM, or each
 * in a JVM of its own (for kill and restart tests). Every node gets the same properties (TLS settings,
 * say) plus its own; workers share one under-file-system (a local folder, or the Hadoop URI a test sets as
 * {@code cachet.worker.ufs.uri}) and each has its own cache directory.
 */
public final class MiniCluster implements AutoCloseable {
    /** Ports for servers are chosen from here up to the kernel's ephemeral range (see {@link #freePort()}). */
    private static final int FIRST_CHOSEN_PORT = 10_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private final Path directory;
    private volatile Map<String, String> properties;
    private final Map<String, String> coordinatorProperties;
    private final Map<Integer, Map<String, String>> workerProperties;
    private final List<String> workerHosts;
    private final boolean separateProcesses;
    private final String serverClasspath;
    private final List<String> serverJvmOptions;
    private final Path ufsRoot;
    private final int coordinatorPort;
    private final int coordinatorMetricsPort;
    /** The cluster secret every node gets unless the properties name their own: nodes prove themselves with it over plaintext. */
    private final Map<String, String> clusterSecret;
    private Node coordinator;
    private final List<Node> workers = new ArrayList<>();
    // A restarted worker comes back on its ports, as a real one would.
    private final Map<Integer, int[]> workerPorts = new ConcurrentHashMap<>();

    /** A running server: in this JVM or another. */
    public interface Node extends AutoCloseable {
        /** Stops it cleanly. */
        @Override
        void close();

        /** Stops it as a crash would: no goodbye to anyone. In-process nodes can only be closed. */
        void kill();

        /** Freezes it as a long GC pause or a starved machine would (SIGSTOP), until {@link #resume}. Separate processes only. */
        void suspend();

        /** Lets a suspended node run again (SIGCONT). */
        void resume();

        boolean isAlive();

        /** The port of its gRPC listener, which identifies it in the membership list. */
        int rpcPort();
    }

    private MiniCluster(Builder builder) throws IOException {
        this.directory = Files.createDirectories(builder.directory);
        this.properties = Map.copyOf(builder.properties);
        this.coordinatorProperties = Map.copyOf(builder.coordinatorProperties);
        this.workerProperties = Map.copyOf(builder.workerProperties);
        this.workerHosts = List.copyOf(builder.workerHosts);
        this.separateProcesses = builder.separateProcesses;
        this.serverClasspath = builder.serverClasspath;
        this.serverJvmOptions = List.copyOf(builder.serverJvmOptions);
        this.ufsRoot = Files.createDirectories(directory.resolve("ufs"));
        this.coordinatorPort = freePort();
        this.coordinatorMetricsPort = freePort();
        this.clusterSecret = Map.of(CachetKeys.SECURITY_INTERNODE_SECRET.name(), "${file:" + writeClusterSecret(directory.resolve("cluster.secret")) + "}");
    }

    private static Path writeClusterSecret(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Files.writeString(file, Base64.getEncoder().encodeToString(random));
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        catch (UnsupportedOperationException e) {
            // not a POSIX file system: the temp directory is the test's own
        }
        return file;
    }

    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /** The settings a client uses to reach this cluster: the shared properties and the coordinator's address. */
    public Map<String, String> clientProperties() {
        Map<String, String> client = new HashMap<>(properties);
        // Whoever holds the cluster secret, or the nodes' etcd certificate, can act as a node: clients never get them.
        client.remove(CachetKeys.SECURITY_INTERNODE_SECRET.name());
        client.remove(CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name());
        client.remove(CachetKeys.ETCD_TLS_KEY_PATH.name());
        client.remove(CachetKeys.ETCD_TLS_KEY_PASSWORD.name());
        client.put(CachetKeys.COORDINATOR_ADDRESS.name(), "localhost:" + coordinatorPort);
        return client;
    }

    /** The settings every node gets (the shared properties and the cluster secret), for tests that act as a node. */
    public Map<String, String> nodeSettings() {
        return nodeProperties(Map.of());
    }

    public CachetConfig clientConfig() {
        return isolatedConfig(clientProperties(), "MiniCluster client");
    }

    public CachetClient newClient() throws IOException {
        return CachetClient.connect(clientConfig());
    }

    public Path ufsRoot() {
        return ufsRoot;
    }

    public int coordinatorPort() {
        return coordinatorPort;
    }

    /** The coordinator's /metrics and /health port. */
    public int coordinatorMetricsPort() {
        return coordinatorMetricsPort;
    }

    /** Worker {@code index}'s /metrics and /health port (it keeps it across restarts). */
    public int workerMetricsPort(int index) {
        return workerPorts.get(index)[2];
    }

    public Node coordinator() {
        return coordinator;
    }

    public List<Node> workers() {
        return List.copyOf(workers);
    }

    /** The in-process worker server at {@code index}; only for in-process clusters. */
    public WorkerServer workerServer(int index) {
        if (workers.get(index) instanceof InProcessNode<?> node && node.server() instanceof WorkerServer server) {
            return server;
        }
        throw new IllegalStateException("Worker " + index + " runs in another process");
    }

    public CoordinatorServer coordinatorServer() {
        if (coordinator instanceof InProcessNode<?> node && node.server() instanceof CoordinatorServer server) {
            return server;
        }
        throw new IllegalStateException("The coordinator runs in another process");
    }

    /** Starts one more worker (on the next loopback host if hosts were given) and waits until clients can see it. */
    public Node addWorker() throws IOException {
        int index = workers.size();
        Node worker = startWorker(index);
        workers.add(worker);
        awaitMembership((int) countAlive(), Duration.ofSeconds(30));
        return worker;
    }

    /** Starts the worker at {@code index} again, with the same cache directory and so the same id. */
    public Node restartWorker(int index) throws IOException {
        workers.get(index).close();
        Node worker = startWorker(index);
        workers.set(index, worker);
        awaitMembership((int) countAlive(), Duration.ofSeconds(30));
        return worker;
    }

    /** New shared properties for the nodes started from now on (a rolling restart applies them node by node). */
    public void reconfigure(Map<String, String> properties) {
        this.properties = Map.copyOf(properties);
    }

    /** Stops the coordinator and starts a new one on the same port; its membership starts empty and fills as workers beat. */
    public void restartCoordinator() throws IOException {
        coordinator.close();
        coordinator = startCoordinator();
    }

    /** Where a coordinator in a process of its own writes its log. */
    public Path coordinatorLog() {
        return directory.resolve("coordinator.log");
    }

    public Path workerCacheDirectory(int index) {
        return directory.resolve("worker-" + index);
    }

    /** Waits until the membership store (the coordinator, or etcd) lists exactly {@code count} workers. */
    public void awaitMembership(int count, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = -1;
        // Read as a node would: with etcd, clients bring an etcd identity of their own, which this cluster does not have.
        Map<String, String> reader = nodeProperties(Map.of());
        reader.remove(CachetKeys.SECURITY_INTERNODE_SECRET.name());
        while (System.nanoTime() < deadline) {
            try (CachetClient client = CachetClient.connect(isolatedConfig(reader, "MiniCluster membership check"))) {
                seen = client.workers().size();
                if (seen == count) {
                    return;
                }
            }
            catch (IOException e) {
                // the coordinator may still be starting
            }
            sleep(100);
        }
        throw new IOException("The membership store listed %d workers, not %d, within %s".formatted(seen, count, timeout));
    }

    @Override
    public void close() {
        workers.forEach(Node::close);
        if (coordinator != null) {
            coordinator.close();
        }
    }

    private Node startCoordinator() throws IOException {
        return separateProcesses
                ? ProcessNode.start("coordinator", serverClasspath, serverJvmOptions, nodeProperties(coordinatorSettings()), coordinatorLog(), coordinatorPort)
                : InProcessNode.of(CoordinatorServer.start(isolatedConfig(nodeProperties(coordinatorSettings()), "MiniCluster coordinator")), coordinatorPort);
    }

    private MiniCluster startAll(int workerCount) throws IOException {
        coordinator = startCoordinator();
        for (int i = 0; i < workerCount; i++) {
            workers.add(startWorker(i));
        }
        awaitMembership(workerCount, Duration.ofSeconds(60));
        return this;
    }

    private Map<String, String> coordinatorSettings() {
        Map<String, String> settings = new HashMap<>(coordinatorProperties);
        settings.put(CachetKeys.COORDINATOR_BIND_HOST.name(), "127.0.0.1");
        settings.put(CachetKeys.COORDINATOR_RPC_PORT.name(), String.valueOf(coordinatorPort));
        settings.put(CachetKeys.COORDINATOR_METRICS_PORT.name(), String.valueOf(coordinatorMetricsPort));
        return settings;
    }

    private Node startWorker(int index) throws IOException {
        String host = workerHosts.isEmpty() ? "localhost" : workerHosts.get(index % workerHosts.size());
        Map<String, String> settings = new HashMap<>(workerProperties.getOrDefault(index, Map.of()));
        settings.put(CachetKeys.WORKER_HOSTNAME.name(), host);
        settings.put(CachetKeys.WORKER_BIND_HOST.name(), host.equals("localhost") ? "127.0.0.1" : host);
        int[] ports = workerPorts.computeIfAbsent(index, any -> new int[] {freePort(), freePort(), freePort()});
        int rpcPort = ports[0];
        settings.put(CachetKeys.WORKER_RPC_PORT.name(), String.valueOf(rpcPort));
        settings.put(CachetKeys.WORKER_DATA_PORT.name(), String.valueOf(ports[1]));
        settings.put(CachetKeys.WORKER_METRICS_PORT.name(), String.valueOf(ports[2]));
        settings.put(CachetKeys.WORKER_CACHE_DIR.name(), workerCacheDirectory(index).toString());
        settings.put(CachetKeys.WORKER_UFS_ROOT.name(), ufsRoot.toUri().toString());
        Map<String, String> merged = nodeProperties(settings);
        if (merged.containsKey(CachetKeys.WORKER_UFS_URI.name())) {
            // A Hadoop under-file-system given by the test takes the local folder's place.
            merged.remove(CachetKeys.WORKER_UFS_ROOT.name());
        }
        if (separateProcesses) {
            return ProcessNode.start("worker", serverClasspath, serverJvmOptions, merged, directory.resolve("worker-" + index + ".log"), rpcPort);
        }
        return InProcessNode.of(WorkerServer.start(isolatedConfig(merged, "MiniCluster worker " + index)), rpcPort);
    }

    private Map<String, String> nodeProperties(Map<String, String> own) {
        Map<String, String> merged = new HashMap<>();
        merged.put(CachetKeys.COORDINATOR_ADDRESS.name(), "localhost:" + coordinatorPort);
        // Quicker than production (3s, 30s) so tests see expiry soon, and still generous for a busy machine.
        merged.put(CachetKeys.WORKER_HEARTBEAT_INTERVAL.name(), "500ms");
        merged.put(CachetKeys.COORDINATOR_WORKER_TIMEOUT.name(), "10s");
        merged.putAll(clusterSecret);
        merged.putAll(properties);
        merged.putAll(own);
        return merged;
    }

    private long countAlive() {
        return workers.stream().filter(Node::isAlive).count();
    }

    /** Configuration from these properties only: a test's own system properties must not leak into servers. */
    static CachetConfig isolatedConfig(Map<String, String> properties, String scope) {
        return CachetConfig.builder()
                .environment(Map.of())
                .systemProperties(new Properties())
                .classLoader(new ClassLoader(null) {})
                .engineProperties(scope, properties)
                .build();
    }

    /**
     * A port free at this moment, for a server to bind soon. It is taken below the kernel's ephemeral range: a
     * port the kernel picks (port 0) is also what it gives the next outgoing connection, which on a busy machine
     * may take it before the server binds. Ports handed out in this JVM are not handed out again.
     */
    public static int freePort() {
        int below = ephemeralRangeStart();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = FIRST_CHOSEN_PORT + ThreadLocalRandom.current().nextInt(below - FIRST_CHOSEN_PORT);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(port));
                return port;
            }
            catch (IOException taken) {
                // in use by someone else: try another
            }
        }
        throw new UncheckedIOException(new IOException("No free port between %d and %d".formatted(FIRST_CHOSEN_PORT, below)));
    }

    /** Where the kernel starts picking ports for outgoing connections (Linux's ip_local_port_range; 32768 where it cannot be read). */
    private static int ephemeralRangeStart() {
        try {
            int start = Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+")[0]);
            return start > FIRST_CHOSEN_PORT + 1000 ? start : 32_768;
        }
        catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }

    static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    public static final class Builder {
        private final Path directory;
        private final Map<String, String> properties = new HashMap<>();
        private final Map<String, String> coordinatorProperties = new HashMap<>();
        private final Map<Integer, Map<String, String>> workerProperties = new HashMap<>();
        private final List<String> workerHosts = new ArrayList<>();
        private int workers = 1;
        private boolean separateProcesses;
        private String serverClasspath = System.getProperty("java.class.path");
        private final List<String> serverJvmOptions = new ArrayList<>();

        private Builder(Path directory) {
            this.directory = requireNonNull(directory, "directory is null");
        }

        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** Properties every node gets (TLS settings, say). */
        public Builder properties(Map<String, String> properties) {
            this.properties.putAll(properties);
            return this;
        }

        public Builder property(String key, String value) {
            this.properties.put(key, value);
            return this;
        }

        /** Properties of the coordinator alone, over the shared ones (its dc, its internode mode, say). */
        public Builder coordinatorProperties(Map<String, String> properties) {
            this.coordinatorProperties.putAll(properties);
            return this;
        }

        /** Properties of the worker at {@code index} alone (counting workers added later), over the shared ones. */
        public Builder workerProperties(int index, Map<String, String> properties) {
            this.workerProperties.computeIfAbsent(index, any -> new HashMap<>()).putAll(properties);
            return this;
        }

        /** Host names or loopback addresses (127.0.0.2, ...) the workers bind to and advertise, in turn. */
        public Builder workerHosts(List<String> hosts) {
            this.workerHosts.addAll(hosts);
            return this;
        }

        /** Each server in a JVM of its own. */
        public Builder separateProcesses(boolean separateProcesses) {
            this.separateProcesses = separateProcesses;
            return this;
        }

        /** The classpath separate server JVMs run with; this JVM's by default. */
        public Builder serverClasspath(String classpath) {
            this.serverClasspath = requireNonNull(classpath, "classpath is null");
            return this;
        }

        /** Options for separate server JVMs (a heap size, a profiling agent), after the defaults, so they win. */
        public Builder serverJvmOptions(List<String> options) {
            this.serverJvmOptions.addAll(options);
            return this;
        }

        public MiniCluster start() throws IOException {
            MiniCluster cluster = new MiniCluster(this);
            try {
                return cluster.startAll(workers);
            }
            catch (IOException | RuntimeException e) {
                cluster.close();
                throw e;
            }
        }
    }
}
