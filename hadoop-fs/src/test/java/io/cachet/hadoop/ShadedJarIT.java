package io.cachet.hadoop;

import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/** The shaded jar, as built, on a classpath like an engine's: Hadoop's client jars and other Netty, Guava and protobuf versions. */
class ShadedJarIT {
    @Test
    void shadedJarHoldsNoClassOutsideItsOwnNamespace() throws Exception {
        List<String> strays = new ArrayList<>();
        List<String> natives = new ArrayList<>();
        try (JarFile jar = new JarFile(JavaProcess.shadedJar().toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                String name = entry.getName().replaceFirst("^META-INF/versions/\\d+/", "");
                if (name.endsWith(".class") && !name.startsWith("io/cachet/")) {
                    strays.add(entry.getName());
                }
                if (name.startsWith("META-INF/native/")) {
                    natives.add(name);
                }
            }
            assertThat(jar.getEntry("io/cachet/hadoop/CachetFileSystem.class")).isNotNull();
            assertThat(jar.getEntry("io/cachet/shaded/io/netty/handler/ssl/SslContext.class")).isNotNull();
            assertThat(jar.getEntry("io/cachet/shaded/io/grpc/netty/shaded/io/netty/handler/ssl/SslContext.class")).isNotNull();
        }
        assertThat(strays).as("classes left outside io/cachet/").isEmpty();
        assertThat(natives).contains(
                "META-INF/native/libio_cachet_shaded_netty_tcnative_linux_x86_64.so",
                "META-INF/native/libio_cachet_shaded_io_grpc_netty_shaded_netty_tcnative_linux_x86_64.so");
    }

    @Test
    void readsAndWritesOverTlsWithOpenSslNextToOtherVersionsAndStillVerifiesHostnames(@TempDir Path directory) throws Exception {
        TestPki pki = TestPki.create(directory, "Shaded CA");
        try (MiniCluster cluster = MiniCluster.builder(directory.resolve("cluster")).workers(2)
                .properties(pki.nodeSettings(pki.server(List.of("localhost")))).start()) {
            List<Path> classpath = new ArrayList<>();
            classpath.add(JavaProcess.shadedJar());
            classpath.addAll(JavaProcess.jars("cachet.it.hadoop.client"));
            classpath.addAll(JavaProcess.jars("cachet.it.clash.jars"));
            classpath.add(Path.of(System.getProperty("cachet.it.test.classes")));
            List<String> options = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "-Dcachet.network.tls.provider=openssl"));
            for (Map.Entry<String, String> setting : pki.trustSettings().entrySet()) {
                options.add("-D" + setting.getKey() + "=" + setting.getValue());
            }

            JavaProcess.Result result = JavaProcess.run(classpath, options, "io.cachet.hadoop.probe.ShadedJarProbe", List.of(String.valueOf(cluster.coordinatorPort())));

            assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
            assertThat(result.err()).doesNotContain("LinkageError", "NoSuchMethodError", "NoClassDefFoundError", "ClassNotFoundException");
            assertThat(result.out())
                    .contains("engine netty: " + JavaProcess.jars("cachet.it.clash.jars").stream().filter(jar -> jar.toString().contains("netty-common")).findFirst().orElseThrow())
                    .contains("guava-32.1.3-jre.jar")
                    .contains("protobuf-java-3.25.9.jar")
                    .contains("relocated netty openssl: true")
                    .contains("relocated grpc netty openssl: true")
                    .contains("roundtrip: OK")
                    .contains("filesystem class: io.cachet.hadoop.CachetFileSystem")
                    .contains("hostname check: TLS client: The host name 127.0.0.1 does not match the certificate");
        }
    }
}
