package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.minicluster.MiniCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every way out of the under-file-system root is refused, and nothing outside it is read or written. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfinementTest {
    private static final String SECRET = "outside the root: must never be served";

    @RegisterExtension
    static final ClusterFixture clusters = ClusterFixture.plaintext();

    private Path outside;
    private MiniCluster cluster;
    private CachetClient client;

    @BeforeAll
    void start() throws IOException {
        outside = Files.createDirectories(clusters.directory().resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        cluster = clusters.start(builder -> builder.workers(2));
        Files.createSymbolicLink(cluster.ufsRoot().resolve("escape"), outside);
        Files.createDirectories(cluster.ufsRoot().resolve("inside"));
        Files.createSymbolicLink(cluster.ufsRoot().resolve("inside/link-to-sibling"), cluster.ufsRoot().resolve("inside"));
        Files.createDirectories(cluster.ufsRoot().resolve("listed"));
        Files.writeString(cluster.ufsRoot().resolve("listed/real.txt"), "twelve bytes");
        Files.createSymbolicLink(cluster.ufsRoot().resolve("listed/link-out"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(cluster.ufsRoot().resolve("listed/link-in"), Path.of("real.txt"));
        client = clusters.client(cluster);
    }

    @Test
    void dotDotSegmentsAreRefused() {
        refused(() -> client.status("/../outside/secret.txt"), "'..' segments are not allowed");
        refused(() -> client.open("/inside/../../outside/secret.txt"), "'..' segments are not allowed");
        refused(() -> client.create("/../outside/new.txt", true, true), "'..' segments are not allowed");
        refused(() -> client.list("/.."), "'..' segments are not allowed");
    }

    @Test
    void symbolicLinksThatLeadOutAreRefusedForEveryOperation() {
        refused(() -> client.status("/escape/secret.txt"), "symbolic link that leads outside the root");
        refused(() -> client.open("/escape/secret.txt"), "symbolic link that leads outside the root");
        refused(() -> client.list("/escape"), "symbolic link that leads outside the root");
        refused(() -> client.create("/escape/new.txt", true, true), "symbolic link that leads outside the root");
        refused(() -> client.mkdirs("/escape/sub"), "symbolic link that leads outside the root");
        refused(() -> client.delete("/escape/secret.txt", false), "symbolic link that leads outside the root");
        refused(() -> client.rename("/escape/secret.txt", "/stolen.txt"), "symbolic link that leads outside the root");
        refused(() -> client.rename("/inside", "/escape/moved"), "symbolic link that leads outside the root");
    }

    @Test
    void linksThatStayInsideWork() throws IOException {
        ClusterFiles.write(client, "/inside/file.txt", 10);
        assertThat(client.status("/inside/link-to-sibling/file.txt").length()).isEqualTo(10);
    }

    @Test
    void listingsShowLinksInsideAsWhatTheyPointToAndLeaveOutLinksThatLeadOut() throws IOException {
        assertThat(client.list("/listed")).extracting(status -> status.path() + "=" + status.length())
                .containsExactly("/listed/link-in=12", "/listed/real.txt=12");
        assertThat(client.status("/listed/link-in").length()).isEqualTo(12);
        refused(() -> client.status("/listed/link-out"), "symbolic link that leads outside the root");
    }

    @Test
    void nulBytesControlCharactersBackslashesAndOverLongPathsAreRefused() {
        refused(() -> client.status("/a\0b"), "NUL byte");
        refused(() -> client.create("/inside/x\0/../../outside/y", true, true), "NUL byte");
        refused(() -> client.status("/a\u0001b"), "control character");
        refused(() -> client.status("/..\\outside\\secret.txt"), "backslash");
        refused(() -> client.status("/" + "a".repeat(300)), "longer than 255 bytes");
        refused(() -> client.status(("/" + "b".repeat(200)).repeat(25)), "longer than 4096 bytes");
    }

    @Test
    void nothingOutsideTheRootWasReadOrWritten() throws IOException {
        symbolicLinksThatLeadOutAreRefusedForEveryOperation();
        dotDotSegmentsAreRefused();

        assertThat(Files.readString(outside.resolve("secret.txt"))).isEqualTo(SECRET);
        try (Stream<Path> files = Files.list(outside)) {
            assertThat(files.map(path -> path.getFileName().toString()).toList()).isEqualTo(List.of("secret.txt"));
        }
    }

    private static void refused(Executable call, String reason) {
        assertThatThrownBy(call::execute).isInstanceOf(AccessDeniedException.class).hasMessageContaining(reason)
                .hasMessageContaining("paths must stay inside the under-file-system root")
                .hasMessageNotContaining(SECRET);
    }
}
