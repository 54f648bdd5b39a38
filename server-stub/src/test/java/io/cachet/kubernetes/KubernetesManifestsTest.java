package io.cachet.kubernetes;

import io.cachet.certs.CertificateFiles;
import io.cachet.certs.CertificateFiles.KeyEncoding;
import io.cachet.certs.IssuedCertificate;
import io.cachet.client.CachetClient;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigKey;
import io.cachet.coordinator.CoordinatorServer;
import io.cachet.etcd.EtcdServer;
import io.cachet.minicluster.MiniCluster;
import io.cachet.testing.Eventually;
import io.cachet.tls.TestPki;
import io.cachet.worker.WorkerServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes manifests as written: each overlay is rendered by {@code kubectl kustomize}; every file
 * its settings name comes from a mounted Secret; no secret is in a ConfigMap; and the rendered
 * {@code cachet-site.properties}, with the pod's mount points mapped onto a folder of generated
 * certificates, runs a real coordinator and worker that a client configured like the Trino values reaches over TLS.
 */
@Timeout(300)
class KubernetesManifestsTest {
    private static final Path KUBERNETES = Path.of("..", "examples", "kubernetes").toAbsolutePath().normalize();
    /** The files each Secret holds, as the overlays' comments tell users to create them (or cert-manager makes them). */
    private static final Map<String, Set<String>> SECRET_FILES = Map.of(
            "cachet-node-tls", Set.of("tls.crt", "tls.key", "ca.crt"),
            "cachet-cluster-secret", Set.of("cluster.secret"),
            "cachet-etcd-client", Set.of("ca.crt", "tls.crt", "tls.key"),
            "cachet-client-tls", Set.of("tls.crt", "tls.key", "ca.crt"));
    private static final Pattern FILE_REFERENCE = Pattern.compile("\\$\\{file:([^}]*)}");

    @TempDir
    Path directory;

    @ParameterizedTest
    @ValueSource(strings = {"plaintext", "tls", "mtls", "etcd", "cert-manager"})
    void everyFileTheSettingsNameIsMountedFromASecretAndNoSecretValueIsInAConfigMap(String overlay) throws Exception {
        List<Map<String, Object>> documents = render(overlay);
        Map<String, String> settings = siteProperties(documents);
        List<Map<String, Object>> pods = podTemplates(documents);
        assertThat(pods).as("coordinator and worker pod templates").hasSize(2);
        Map<String, Object> coordinatorPod = podTemplate(documents, "Deployment");
        Map<String, Object> workerPod = podTemplate(documents, "StatefulSet");
        assertThat(containerPort(coordinatorPod, probes(coordinatorPod).get(0).get("port")))
                .as("the coordinator's probes reach its metrics port").isEqualTo(Integer.parseInt(settings.get(CachetKeys.COORDINATOR_METRICS_PORT.name())));
        assertThat(containerPort(workerPod, probes(workerPod).get(0).get("port")))
                .as("the workers' probes reach their metrics port").isEqualTo(Integer.parseInt(settings.get(CachetKeys.WORKER_METRICS_PORT.name())));
        // The root file system is read-only: what a worker writes must be mounted.
        assertThat(mounts(workerPod)).containsKeys(settings.get(CachetKeys.WORKER_CACHE_DIR.name()),
                Path.of(URI.create(settings.get(CachetKeys.WORKER_UFS_ROOT.name()))).toString(), "/tmp");
        assertThat(mounts(coordinatorPod)).containsKey("/tmp");

        for (Map<String, Object> pod : pods) {
            Map<String, String> mounts = mounts(pod);
            Map<String, Map<String, Object>> volumes = volumes(pod);
            String confDir = environment(pod).get("CACHET_CONF_DIR");
            assertThat(volumes.get(mounts.get(confDir))).as("CACHET_CONF_DIR is where the ConfigMap is mounted").containsKey("configMap");
            for (Path file : referencedFiles(settings)) {
                String volume = mounts.get(file.getParent().toString());
                assertThat(volume).as("%s is under a mount in %s", file, overlay).isNotNull();
                @SuppressWarnings("unchecked")
                Map<String, Object> secret = (Map<String, Object>) volumes.get(volume).get("secret");
                assertThat(secret).as("%s comes from a Secret", file).isNotNull();
                String secretName = (String) secret.get("secretName");
                assertThat(SECRET_FILES.get(secretName)).as("files of Secret %s", secretName).contains(file.getFileName().toString());
            }
            boolean tls = Boolean.parseBoolean(settings.getOrDefault(CachetKeys.TLS_ENABLED.name(), "false"));
            for (Map<String, Object> probe : probes(pod)) {
                assertThat(probe.get("scheme")).as("probe scheme").isEqualTo(tls ? "HTTPS" : "HTTP");
            }
        }
        if (overlay.equals("cert-manager")) {
            assertThat(documents.stream().filter(document -> "Certificate".equals(document.get("kind")))
                    .map(document -> (String) child(document, "spec").get("secretName")).toList())
                    .as("cert-manager issues the Secrets the pods mount").contains("cachet-node-tls", "cachet-client-tls");
        }
        for (Map<String, Object> document : documents) {
            if ("ConfigMap".equals(document.get("kind"))) {
                for (Object value : child(document, "data").values()) {
                    assertThat(value.toString()).doesNotContain("-----BEGIN").doesNotContain("PRIVATE KEY");
                }
            }
        }
        settings.forEach((key, value) -> {
            ConfigKey<?> declared = CachetKeys.all().get(key);
            assertThat(declared).as("declared key %s", key).isNotNull();
            if (declared.isSecret()) {
                assertThat(value).as("secret %s is a file reference, not a value", key).matches("\\$\\{file:[^}]+}");
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"tls", "mtls", "etcd", "cert-manager"})
    void theRenderedSettingsRunARealClusterThatAClientReachesOverTls(String overlay) throws Exception {
        List<Map<String, Object>> documents = render(overlay);
        Map<String, String> settings = siteProperties(documents);
        // The pods' mount points, mapped onto this folder: what the Secrets would hold, generated now.
        Path root = Files.createDirectories(directory.resolve("pod"));
        TestPki pki = TestPki.create(directory, "Kubernetes CA");
        IssuedCertificate node = pki.server(TestPki.LOOPBACK_HOSTS);
        writePem(root.resolve("etc/cachet/tls"), node, pki);
        writePem(root.resolve("etc/cachet/client"), pki.client("trino"), pki);
        CertificateFiles.writeSecret(Files.createDirectories(root.resolve("etc/cachet/cluster")).resolve("cluster.secret"), "kubernetes-test-cluster-secret");

        List<EtcdServer> etcd = new ArrayList<>();
        try {
            if (settings.containsKey(CachetKeys.ETCD_ENDPOINTS.name())) {
                Path[] server = pki.pem(pki.server(TestPki.LOOPBACK_HOSTS), KeyEncoding.PKCS8, false);
                etcd.add(EtcdServer.startTls(directory.resolve("etcd"), new EtcdServer.Tls(server[0], server[1], Optional.of(pki.caPem()))));
                writePem(root.resolve("etc/cachet/etcd"), node, pki);
            }
            int coordinatorPort = MiniCluster.freePort();
            Map<String, String> common = mapped(settings, root);
            common.put(CachetKeys.COORDINATOR_ADDRESS.name(), "localhost:" + coordinatorPort);
            etcd.forEach(server -> common.put(CachetKeys.ETCD_ENDPOINTS.name(), server.endpoint()));
            Map<String, String> coordinator = new HashMap<>(common);
            coordinator.put(CachetKeys.COORDINATOR_BIND_HOST.name(), "127.0.0.1");
            coordinator.put(CachetKeys.COORDINATOR_RPC_PORT.name(), String.valueOf(coordinatorPort));
            coordinator.put(CachetKeys.COORDINATOR_METRICS_PORT.name(), String.valueOf(MiniCluster.freePort()));
            // Two pods of the StatefulSet: the same settings, each with its own ports (here: one host) and its own volume.
            Map<String, String> first = workerPod(common, root.resolve("var/cachet/pod-0"));
            Map<String, String> second = workerPod(common, root.resolve("var/cachet/pod-1"));
            Map<String, String> environment = podEnvironment(podTemplate(documents, "StatefulSet"));
            try (CoordinatorServer coordinatorServer = CoordinatorServer.start(config(coordinator, podEnvironment(podTemplate(documents, "Deployment"))));
                    WorkerServer firstWorker = WorkerServer.start(config(first, environment));
                    WorkerServer secondWorker = WorkerServer.start(config(second, environment));
                    CachetClient client = CachetClient.connect(config(trinoCatalog(overlay, root, coordinatorPort), Map.of()))) {
                Eventually.await("both workers listed", () -> {
                    client.refreshMembership();
                    return client.workers().size() == 2;
                });
                assertThat(client.tlsEnabled()).isTrue();
                Map<String, byte[]> written = new HashMap<>();
                Set<String> owners = new HashSet<>();
                // Placement hashes ids that change each run: go on until each pod owns a file, so each is reached.
                for (int i = 0; written.size() < 8 || owners.size() < 2; i++) {
                    assertThat(i).as("files written before both pods own one").isLessThan(1000);
                    String path = "/kubernetes/" + overlay + "/file-" + i;
                    owners.add(client.owner(path).id());
                    byte[] content = ("written through the " + overlay + " overlay's settings, file " + i).getBytes(StandardCharsets.UTF_8);
                    try (var out = client.create(path, true, true)) {
                        out.write(content);
                    }
                    written.put(path, content);
                }
                for (Map.Entry<String, byte[]> file : written.entrySet()) {
                    try (var in = client.open(file.getKey())) {
                        assertThat(in.readAllBytes()).isEqualTo(file.getValue());
                    }
                }
                assertThat(firstWorker.connections().tlsHandshakes()).as("the client's connections to the first pod were TLS").isPositive();
                assertThat(secondWorker.connections().tlsHandshakes()).as("the client's connections to the second pod were TLS").isPositive();
            }
        }
        finally {
            for (EtcdServer server : etcd) {
                server.close();
            }
        }
    }

    private static Map<String, String> workerPod(Map<String, String> common, Path volume) {
        Map<String, String> worker = new HashMap<>(common);
        worker.put(CachetKeys.WORKER_BIND_HOST.name(), "127.0.0.1");
        worker.put(CachetKeys.WORKER_RPC_PORT.name(), String.valueOf(MiniCluster.freePort()));
        worker.put(CachetKeys.WORKER_DATA_PORT.name(), String.valueOf(MiniCluster.freePort()));
        worker.put(CachetKeys.WORKER_METRICS_PORT.name(), String.valueOf(MiniCluster.freePort()));
        worker.put(CachetKeys.WORKER_CACHE_SIZE.name(), "64MiB");
        worker.put(CachetKeys.WORKER_CACHE_DIR.name(), volume.resolve("cache").toString());
        return worker;
    }

    /**
     * The variables the pod defines, as its container would see them; the pod's DNS name is localhost here,
     * which the test certificate names. A variable the pod does not define stays undefined.
     */
    private static Map<String, String> podEnvironment(Map<String, Object> pod) {
        Map<String, String> environment = new HashMap<>();
        environment(pod).forEach((name, value) -> environment.put(name, name.equals("CACHET_POD_DNS_NAME") ? "localhost" : String.valueOf(value)));
        return environment;
    }

    private static Map<String, Object> podTemplate(List<Map<String, Object>> documents, String kind) {
        return documents.stream().filter(document -> kind.equals(document.get("kind")))
                .map(document -> child(child(child(document, "spec"), "template"), "spec"))
                .findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static int containerPort(Map<String, Object> pod, Object port) {
        if (port instanceof Integer number) {
            return number;
        }
        return ((List<Map<String, Object>>) container(pod).get("ports")).stream()
                .filter(declared -> port.equals(declared.get("name")))
                .map(declared -> (Integer) declared.get("containerPort"))
                .findFirst().orElseThrow(() -> new AssertionError("no container port named " + port));
    }

    /** The catalog Trino's Helm values define for this overlay, pointed at this test's cluster and files. */
    private Map<String, String> trinoCatalog(String overlay, Path root, int coordinatorPort) throws IOException {
        Map<String, Object> values = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(KUBERNETES.resolve("engines/trino/values.yaml")));
        String catalog = (String) child(values, "catalogs").get(overlay.equals("tls") ? "cachet" : "cachet_mtls");
        Properties properties = new Properties();
        properties.load(new StringReader(catalog));
        Map<String, String> settings = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key)));
        assertThat(settings.remove("connector.name")).isEqualTo("cachet");
        Map<String, String> mapped = mapped(settings, root);
        mapped.put(CachetKeys.COORDINATOR_ADDRESS.name(), "localhost:" + coordinatorPort);
        return mapped;
    }

    private static void writePem(Path folder, IssuedCertificate identity, TestPki pki) throws IOException {
        Files.createDirectories(folder);
        CertificateFiles.writeCertificates(folder.resolve("tls.crt"), identity.chain());
        CertificateFiles.writePrivateKey(folder.resolve("tls.key"), identity.privateKey(), KeyEncoding.PKCS8, null);
        CertificateFiles.writeCertificates(folder.resolve("ca.crt"), List.of(pki.ca().certificate()));
    }

    /** Paths inside the pod, moved under {@code root}; the cache and the under-file-system into folders of their own. */
    private Map<String, String> mapped(Map<String, String> settings, Path root) throws IOException {
        Map<String, String> mapped = new HashMap<>();
        String ufs = Files.createDirectories(directory.resolve("ufs")).toUri().toString();
        String cache = Files.createDirectories(directory.resolve("cache")).toString();
        settings.forEach((key, value) -> mapped.put(key, value
                .replace("/etc/cachet/", root + "/etc/cachet/")
                .replace("/var/lib/cachet/cache", cache)
                .replace("file:///data/ufs", ufs)));
        return mapped;
    }

    private static CachetConfig config(Map<String, String> properties, Map<String, String> environment) {
        return CachetConfig.builder()
                .environment(environment)
                .systemProperties(new Properties())
                .classLoader(new ClassLoader(null) {})
                .engineProperties("rendered cachet-site.properties", properties)
                .build();
    }

    private static List<Map<String, Object>> render(String overlay) throws Exception {
        Path output = Files.createTempFile("kustomize-" + overlay, ".yaml");
        try {
            Process kubectl = new ProcessBuilder(kubectl(), "kustomize", KUBERNETES.resolve("overlays").resolve(overlay).toString())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            assertThat(kubectl.waitFor(120, TimeUnit.SECONDS)).as("kubectl kustomize finished").isTrue();
            assertThat(kubectl.exitValue()).as("kubectl kustomize %s: %s", overlay, Files.readString(output)).isZero();
            List<Map<String, Object>> documents = new ArrayList<>();
            for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(output))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) document;
                documents.add(map);
            }
            return documents;
        }
        finally {
            Files.deleteIfExists(output);
        }
    }

    private static String kubectl() {
        for (String folder : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(folder, "kubectl"))) {
                return Path.of(folder, "kubectl").toString();
            }
        }
        throw new IllegalStateException("No kubectl on the PATH: install Debian's kubectl package (bin/test-deps does)");
    }

    private static Map<String, String> siteProperties(List<Map<String, Object>> documents) throws IOException {
        List<Map<String, Object>> configMaps = documents.stream()
                .filter(document -> "ConfigMap".equals(document.get("kind")) && ((String) child(document, "metadata").get("name")).startsWith("cachet-site"))
                .toList();
        assertThat(configMaps).hasSize(1);
        Properties properties = new Properties();
        properties.load(new StringReader((String) child(configMaps.get(0), "data").get("cachet-site.properties")));
        Map<String, String> settings = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key)));
        return settings;
    }

    /** Files the settings name: {@code *.path} values and {@code ${file:...}} references. */
    private static List<Path> referencedFiles(Map<String, String> settings) {
        List<Path> files = new ArrayList<>();
        settings.forEach((key, value) -> {
            Matcher reference = FILE_REFERENCE.matcher(value);
            if (reference.matches()) {
                files.add(Path.of(reference.group(1)));
            }
            else if (key.endsWith(".path")) {
                files.add(Path.of(value));
            }
        });
        return files;
    }

    private static List<Map<String, Object>> podTemplates(List<Map<String, Object>> documents) {
        return documents.stream()
                .filter(document -> Set.of("Deployment", "StatefulSet").contains(document.get("kind")))
                .map(document -> child(child(child(document, "spec"), "template"), "spec"))
                .toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> container(Map<String, Object> pod) {
        List<Map<String, Object>> containers = (List<Map<String, Object>>) pod.get("containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> mounts(Map<String, Object> pod) {
        Map<String, String> mounts = new HashMap<>();
        for (Map<String, Object> mount : (List<Map<String, Object>>) container(pod).get("volumeMounts")) {
            mounts.put((String) mount.get("mountPath"), (String) mount.get("name"));
        }
        return mounts;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> volumes(Map<String, Object> pod) {
        Map<String, Map<String, Object>> volumes = new HashMap<>();
        for (Map<String, Object> volume : (List<Map<String, Object>>) pod.get("volumes")) {
            volumes.put((String) volume.get("name"), volume);
        }
        return volumes;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(Map<String, Object> pod) {
        Map<String, String> environment = new HashMap<>();
        for (Map<String, Object> variable : (List<Map<String, Object>>) container(pod).get("env")) {
            environment.put((String) variable.get("name"), (String) variable.get("value"));
        }
        return environment;
    }

    private static List<Map<String, Object>> probes(Map<String, Object> pod) {
        Map<String, Object> container = container(pod);
        return List.of(child(child(container, "readinessProbe"), "httpGet"), child(child(container, "livenessProbe"), "httpGet"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> child(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as("YAML key %s", key).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }
}
