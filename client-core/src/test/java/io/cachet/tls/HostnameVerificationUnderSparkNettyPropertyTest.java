package io.cachet.tls;

import io.cachet.tls.LoopbackTls.Copy;
import io.cachet.tls.LoopbackTls.Outcome;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spark starts every driver and executor with
 * {@code -Dio.netty.handler.ssl.defaultEndpointVerificationAlgorithm=NONE}. Netty reads it once, when
 * its SSL classes load, so this test runs in a JVM of its own that carries the flag from the start
 * (see the {@code spark-netty-property} surefire execution).
 */
class HostnameVerificationUnderSparkNettyPropertyTest {
    @TempDir
    static Path directory;
    private static TestPki pki;

    @BeforeAll
    static void createPki() {
        assertThat(System.getProperty("io.netty.handler.ssl.defaultEndpointVerificationAlgorithm"))
                .as("this test must run in the JVM started with Spark's Netty flag")
                .isEqualTo("NONE");
        pki = TestPki.create(directory, "Spark Property CA");
    }

    @ParameterizedTest
    @EnumSource(Copy.class)
    void hostnameMismatchStillFailsWithSparksNettyPropertySet(Copy clientCopy) throws Exception {
        Map<String, String> server = pki.nodeSettings(pki.server(List.of("localhost")));
        try (LoopbackTls.Server listener = LoopbackTls.server(Copy.DATA_PLANE, TestPki.contexts(server))) {
            Outcome outcome = LoopbackTls.connect(clientCopy, TestPki.contexts(pki.trustSettings()), "127.0.0.1", listener.port());

            assertThat(outcome.failure()).isInstanceOf(TlsHandshakeException.class)
                    .hasMessageContaining("The host name 127.0.0.1 does not match the certificate");
        }
    }

    @ParameterizedTest
    @EnumSource(Copy.class)
    void matchingHostnameStillPassesWithSparksNettyPropertySet(Copy clientCopy) throws Exception {
        Map<String, String> server = pki.nodeSettings(pki.server(List.of("localhost")));
        try (LoopbackTls.Server listener = LoopbackTls.server(Copy.GRPC, TestPki.contexts(server))) {
            assertThat(LoopbackTls.connect(clientCopy, TestPki.contexts(pki.trustSettings()), "localhost", listener.port()).succeeded()).isTrue();
        }
    }
}
