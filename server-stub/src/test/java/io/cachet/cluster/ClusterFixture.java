package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.conf.CachetKeys;
import io.cachet.minicluster.MiniCluster;
import io.cachet.testing.ChildJvms;
import io.cachet.tls.TestPki;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The set-up every cluster test starts from: a MiniCluster in a folder of its own and, for a TLS
 * cluster, a CA made for the test whose server certificate for the loopback names every node holds.
 * Register it with {@code @RegisterExtension}: on an instance field, what a test starts is stopped
 * after that test, passed or failed; on a static field, what {@code @BeforeAll} starts is stopped after
 * the class. The folder (site files, node logs) is deleted unless the test failed; then its place is logged.
 */
final class ClusterFixture implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private static final Logger log = LoggerFactory.getLogger(ClusterFixture.class);

    private final Optional<String> caName;
    private final boolean tlsNodes;
    private final Deque<AutoCloseable> classScoped = new ArrayDeque<>();
    private final Deque<AutoCloseable> testScoped = new ArrayDeque<>();
    private boolean inTest;
    private Path directory;
    private boolean directoryOfTest;
    private TestPki pki;
    private Map<String, String> nodeSettings;
    private int clusters;

    private ClusterFixture(Optional<String> caName, boolean tlsNodes) {
        this.caName = caName;
        this.tlsNodes = tlsNodes;
    }

    /** Nodes that speak TLS with a server certificate from a CA called {@code caName}. */
    static ClusterFixture tls(String caName) {
        return new ClusterFixture(Optional.of(caName), true);
    }

    /** Nodes with the defaults: plaintext, a cluster secret between nodes. */
    static ClusterFixture plaintext() {
        return new ClusterFixture(Optional.empty(), false);
    }

    /** Plaintext nodes, and a CA called {@code caName} for the TLS settings a test gives them later. */
    static ClusterFixture plaintextWithCa(String caName) {
        return new ClusterFixture(Optional.of(caName), false);
    }

    /** Starts a cluster with these nodes' settings and what {@code adjust} adds (workers, properties, processes). */
    MiniCluster start(UnaryOperator<MiniCluster.Builder> adjust) throws IOException {
        MiniCluster.Builder builder = MiniCluster.builder(directory().resolve("cluster-" + clusters++))
                .properties(nodeSettings())
                .serverJvmOptions(ChildJvms.compilerOptions());
        return closeAfter(adjust.apply(builder).start());
    }

    /** A client of {@code cluster} with the settings the cluster gives clients. */
    CachetClient client(MiniCluster cluster) throws IOException {
        return closeAfter(cluster.newClient());
    }

    /** A client built from {@code settings} alone. */
    CachetClient client(Map<String, String> settings) throws IOException {
        return closeAfter(CachetClient.connect(TestPki.config(settings)));
    }

    /** The settings every node of this fixture's clusters starts with; a new map each time. */
    Map<String, String> nodeSettings() {
        return tlsNodes ? tlsNodeSettings() : new HashMap<>();
    }

    /** Settings for a TLS node: a key store with a server certificate for the loopback names, trusting the CA; a new map each time. */
    Map<String, String> tlsNodeSettings() {
        if (nodeSettings == null) {
            nodeSettings = Map.copyOf(pki().nodeSettings(pki().server(TestPki.LOOPBACK_HOSTS)));
        }
        return new HashMap<>(nodeSettings);
    }

    /** Settings for a client that trusts the cluster's CA and has no certificate, pointed at {@code cluster}. */
    Map<String, String> trustingClientSettings(MiniCluster cluster) {
        Map<String, String> settings = pki().trustSettings();
        settings.put(CachetKeys.COORDINATOR_ADDRESS.name(), "localhost:" + cluster.coordinatorPort());
        return settings;
    }

    /** The CA the nodes' certificates come from, to issue more (clients, impostors). */
    TestPki pki() {
        if (pki == null) {
            pki = TestPki.create(directory(), caName.orElseThrow(() -> new IllegalStateException("A plaintext cluster fixture has no CA")));
        }
        return pki;
    }

    /** The fixture's folder, for whatever else a test keeps on disk. */
    Path directory() {
        if (directory == null) {
            try {
                directory = Files.createTempDirectory("cachet-cluster-");
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            directoryOfTest = inTest;
        }
        return directory;
    }

    /** Stops {@code resource} with the scope it was opened in (the test, or the class for {@code @BeforeAll}). */
    <T extends AutoCloseable> T closeAfter(T resource) {
        (inTest ? testScoped : classScoped).push(resource);
        return resource;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        inTest = true;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        inTest = false;
        closeAll(testScoped);
        if (directoryOfTest) {
            removeDirectory(context);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        closeAll(classScoped);
        removeDirectory(context);
    }

    private static void closeAll(Deque<AutoCloseable> resources) throws Exception {
        Exception failure = null;
        // Newest first: clients before the clusters they talk to.
        for (AutoCloseable resource = resources.poll(); resource != null; resource = resources.poll()) {
            try {
                resource.close();
            }
            catch (Exception e) {
                if (failure == null) {
                    failure = e;
                }
                else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void removeDirectory(ExtensionContext context) throws IOException {
        Path folder = directory;
        directory = null;
        pki = null;
        nodeSettings = null;
        if (folder == null) {
            return;
        }
        if (context.getExecutionException().isPresent()) {
            log.warn("{} failed: its cluster's folder (site files, node logs) stays at {}", context.getDisplayName(), folder);
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
