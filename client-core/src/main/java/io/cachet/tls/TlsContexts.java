package io.cachet.tls;

import io.cachet.conf.CachetKeys;
import io.cachet.conf.ClientAuth;
import io.cachet.conf.ConfigException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Server and client {@code SslContext}s for both Netty copies, built from one {@link TlsMaterial}:
 * the plain Netty of the data plane and the shaded Netty inside {@code grpc-netty-shaded}.
 */
public final class TlsContexts {
    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
    private static final String ENDPOINT_IDENTIFICATION = "HTTPS";
    private static final String REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

    private final TlsSettings settings;
    private final TlsMaterial material;
    // One context per generation of the material, shared by every connection: handshakes resume sessions
    // instead of building a context and starting afresh per connection. A reload starts new contexts, on
    // both sides, so no session of the old material resumes: a new handshake always sees the new certificates.
    private final PerGeneration<SslContext> dataServer;
    private final PerGeneration<SslContext> dataClient;
    private final PerGeneration<io.grpc.netty.shaded.io.netty.handler.ssl.SslContext> grpcServerAskingForCertificates;
    private final PerGeneration<io.grpc.netty.shaded.io.netty.handler.ssl.SslContext> grpcServer;
    private final PerGeneration<io.grpc.netty.shaded.io.netty.handler.ssl.SslContext> grpcClient;

    private TlsContexts(TlsSettings settings, TlsMaterial material) {
        this.settings = requireNonNull(settings, "settings is null");
        this.material = requireNonNull(material, "material is null");
        this.dataServer = new PerGeneration<>(material, this::newDataServer);
        this.dataClient = new PerGeneration<>(material, this::newDataClient);
        this.grpcServerAskingForCertificates = new PerGeneration<>(material, () -> newGrpcServer(true));
        this.grpcServer = new PerGeneration<>(material, () -> newGrpcServer(false));
        this.grpcClient = new PerGeneration<>(material, this::newGrpcClient);
    }

    public static TlsContexts create(TlsSettings settings, TlsMaterial material) {
        return new TlsContexts(settings, material);
    }

    /** Loads the material the settings name and checks that both planes' contexts can be built. */
    public static TlsContexts load(TlsSettings settings) {
        return create(settings, TlsMaterial.load(settings));
    }

    public TlsSettings settings() {
        return settings;
    }

    public TlsMaterial material() {
        return material;
    }

    /** The provider the data plane uses: OpenSSL (BoringSSL) or JDK. */
    public SslProvider dataPlaneProvider() {
        return switch (settings.provider()) {
            case JDK -> SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw openSslUnavailable("netty-tcnative-boringssl-static", OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        };
    }

    /** The provider the gRPC plane uses; grpc-netty-shaded carries its own BoringSSL. */
    public io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider grpcProvider() {
        boolean available = io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl.isAvailable();
        return switch (settings.provider()) {
            case JDK -> io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider.JDK;
            case OPENSSL -> {
                if (!available) {
                    throw openSslUnavailable("grpc-netty-shaded", io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl.unavailabilityCause());
                }
                yield io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider.OPENSSL;
            }
            case AUTO -> available ? io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider.OPENSSL : io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider.JDK;
        };
    }

    /** The cipher suites the data plane offers and accepts with its provider. */
    public List<String> dataPlaneCiphers() {
        SslProvider provider = dataPlaneProvider();
        return ciphers(provider == SslProvider.OPENSSL ? OpenSsl.availableJavaCipherSuites() : jdkCipherSuites(), provider.name());
    }

    /** The cipher suites the gRPC plane offers and accepts with its provider. */
    public List<String> grpcCiphers() {
        var provider = grpcProvider();
        return ciphers(provider == io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider.OPENSSL
                ? io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl.availableJavaCipherSuites()
                : jdkCipherSuites(), provider.name());
    }

    /** The data plane's server context for the material in service: ask for it per connection. */
    public SslContext dataServer() {
        return dataServer.get();
    }

    private SslContext newDataServer() {
        SslProvider provider = dataPlaneProvider();
        if (provider == SslProvider.JDK) {
            refuseClientInitiatedRenegotiation();
        }
        List<String> ciphers = dataPlaneCiphers();
        SslContextBuilder builder = SslContextBuilder.forServer(serverKeyManager())
                .sslProvider(provider)
                .trustManager(provider == SslProvider.OPENSSL
                        ? new OpenSslAlerts(material.trustManager(), (refusal, error) -> new OpenSslCertificateException(refusal.getMessage(), refusal, error))
                        : material.trustManager())
                .clientAuth(switch (settings.clientAuth()) {
                    case NONE -> io.netty.handler.ssl.ClientAuth.NONE;
                    case OPTIONAL -> io.netty.handler.ssl.ClientAuth.OPTIONAL;
                    case REQUIRED -> io.netty.handler.ssl.ClientAuth.REQUIRE;
                })
                .protocols(CipherSuites.protocols(settings.serverProtocols(), CachetKeys.TLS_SERVER_PROTOCOLS.name()))
                .ciphers(ciphers);
        log.debug("Data plane TLS server context: provider {}", provider);
        return build(builder::build, "data plane server");
    }

    /** The data plane's client context for the material in service, shared by all its connections. */
    public SslContext dataClient() {
        return dataClient.get();
    }

    private SslContext newDataClient() {
        SslProvider provider = dataPlaneProvider();
        List<String> ciphers = dataPlaneCiphers();
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider)
                .trustManager(material.trustManager())
                .protocols(CipherSuites.protocols(settings.clientProtocols(), CachetKeys.TLS_CLIENT_PROTOCOLS.name()))
                .ciphers(ciphers)
                // Explicit, so -Dio.netty.handler.ssl.defaultEndpointVerificationAlgorithm=NONE (set by Spark) cannot turn it off.
                .endpointIdentificationAlgorithm(settings.hostnameVerification() ? ENDPOINT_IDENTIFICATION : null);
        material.keyManager().ifPresent(builder::keyManager);
        return build(builder::build, "data plane client");
    }

    /**
     * @param askForCertificates whether to ask every client for a certificate even under {@code client.auth=none}
     *         (optional then): peer nodes prove who they are with theirs
     */
    public io.grpc.netty.shaded.io.netty.handler.ssl.SslContext grpcServer(boolean askForCertificates) {
        return (askForCertificates ? grpcServerAskingForCertificates : grpcServer).get();
    }

    private io.grpc.netty.shaded.io.netty.handler.ssl.SslContext newGrpcServer(boolean askForCertificates) {
        var provider = grpcProvider();
        if (provider == io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider.JDK) {
            refuseClientInitiatedRenegotiation();
        }
        List<String> ciphers = grpcCiphers();
        ClientAuth clientAuth = askForCertificates && settings.clientAuth() == ClientAuth.NONE ? ClientAuth.OPTIONAL : settings.clientAuth();
        var builder = GrpcSslContexts.configure(io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder.forServer(serverKeyManager()), provider)
                .trustManager(provider == io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider.OPENSSL
                        ? new OpenSslAlerts(material.trustManager(),
                                (refusal, error) -> new io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslCertificateException(refusal.getMessage(), refusal, error))
                        : material.trustManager())
                .clientAuth(switch (clientAuth) {
                    case NONE -> io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.NONE;
                    case OPTIONAL -> io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.OPTIONAL;
                    case REQUIRED -> io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.REQUIRE;
                })
                .protocols(CipherSuites.protocols(settings.serverProtocols(), CachetKeys.TLS_SERVER_PROTOCOLS.name()))
                .ciphers(ciphers);
        return build(builder::build, "gRPC server");
    }

    /** The gRPC plane's client context for the material in service, shared by all its channels. */
    public io.grpc.netty.shaded.io.netty.handler.ssl.SslContext grpcClient() {
        return grpcClient.get();
    }

    private io.grpc.netty.shaded.io.netty.handler.ssl.SslContext newGrpcClient() {
        var provider = grpcProvider();
        List<String> ciphers = grpcCiphers();
        var builder = GrpcSslContexts.configure(io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder.forClient(), provider)
                .trustManager(material.trustManager())
                .protocols(CipherSuites.protocols(settings.clientProtocols(), CachetKeys.TLS_CLIENT_PROTOCOLS.name()))
                .ciphers(ciphers)
                .endpointIdentificationAlgorithm(settings.hostnameVerification() ? ENDPOINT_IDENTIFICATION : null);
        material.keyManager().ifPresent(builder::keyManager);
        return build(builder::build, "gRPC client");
    }

    /**
     * A JDK context serving this node's identity, with the same trust, reload and policy as the Netty planes,
     * for listeners that run on the JDK's own HTTP server (metrics and health). Pair it with {@link #jdkServerParameters}.
     */
    public SSLContext jdkServer() {
        refuseClientInitiatedRenegotiation();
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {serverKeyManager()}, new TrustManager[] {material.trustManager()}, null);
            return context;
        }
        catch (NoSuchAlgorithmException | KeyManagementException e) {
            throw new ConfigException("Cannot build a JDK TLS server context: " + e.getMessage(), e);
        }
    }

    /** The protocols, AEAD cipher suites and client certificate policy for a {@link #jdkServer()} listener. */
    public SSLParameters jdkServerParameters(SSLContext context, ClientAuth clientAuth) {
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(CipherSuites.protocols(settings.serverProtocols(), CachetKeys.TLS_SERVER_PROTOCOLS.name()).toArray(String[]::new));
        parameters.setCipherSuites(ciphers(jdkCipherSuites(), SslProvider.JDK.name()).toArray(String[]::new));
        // One call, not two: each setter clears what the other set.
        switch (clientAuth) {
            case REQUIRED -> parameters.setNeedClientAuth(true);
            case OPTIONAL -> parameters.setWantClientAuth(true);
            case NONE -> parameters.setNeedClientAuth(false);
        }
        return parameters;
    }

    /** One line for start-up logs: provider per plane, identity, trust and policy. */
    public String describe() {
        return "TLS: data plane provider %s, gRPC provider %s, identity %s, trust %s, client auth %s, hostname verification %s"
                .formatted(dataPlaneProvider(), grpcProvider(),
                        material.identity().map(identity -> CertificateDetails.subject(identity.leaf()) + " from " + identity.origin()).orElse("none"),
                        material.trustOrigin(),
                        settings.clientAuth().name().toLowerCase(),
                        settings.hostnameVerification() ? "on" : "off");
    }

    /**
     * A TLS 1.2 client may ask a JDK server to handshake again on an open connection, which costs the
     * server a full handshake each time (testssl.sh: secure_client_renego). BoringSSL never allows it;
     * the JDK only refuses it JVM-wide, through this property, which it reads once, when its first
     * server handshake begins: so it is set before any server context is built, unless the operator set it.
     */
    private static void refuseClientInitiatedRenegotiation() {
        if (System.getProperty(REJECT_RENEGOTIATION) == null) {
            System.setProperty(REJECT_RENEGOTIATION, "true");
        }
        else if (!Boolean.getBoolean(REJECT_RENEGOTIATION)) {
            log.warn("-D{}={}: TLS 1.2 clients may renegotiate with this server's JDK TLS engine, which lets one client make it handshake again and again",
                    REJECT_RENEGOTIATION, System.getProperty(REJECT_RENEGOTIATION));
        }
    }

    private X509ExtendedKeyManager serverKeyManager() {
        return material.keyManager().orElseThrow(() -> new ConfigException(
                "A TLS server needs its own certificate and key, and none is configured. Fix: set %s; cachet certs generate makes development ones"
                        .formatted(TlsKeyNames.CLUSTER.identity())));
    }

    private List<String> ciphers(Set<String> supported, String provider) {
        return CipherSuites.ciphers(settings.ciphers(), supported, provider);
    }

    private static Set<String> jdkCipherSuites() {
        try {
            return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK has no default SSLContext", e);
        }
    }

    private static ConfigException openSslUnavailable(String library, Throwable cause) {
        return new ConfigException(("%s=openssl, but OpenSSL (BoringSSL from %s) cannot be loaded on this machine: %s. "
                + "Fix: set %s=jdk or auto, or put the netty-tcnative-boringssl-static jar for this platform on the classpath")
                .formatted(CachetKeys.TLS_PROVIDER.name(), library, cause, CachetKeys.TLS_PROVIDER.name()), cause);
    }

    /** A context built once per generation of the material: rebuilt on first use after a reload. */
    private static final class PerGeneration<T> {
        private final TlsMaterial material;
        private final Supplier<T> factory;
        private long generation = -1;
        private T context;

        PerGeneration(TlsMaterial material, Supplier<T> factory) {
            this.material = material;
            this.factory = factory;
        }

        synchronized T get() {
            long current = material.reloads();
            if (context == null || generation != current) {
                context = factory.get();
                generation = current;
            }
            return context;
        }
    }

    private interface ContextFactory<T> {
        T build() throws SSLException;
    }

    private static <T> T build(ContextFactory<T> factory, String what) {
        try {
            return factory.build();
        }
        catch (SSLException e) {
            throw new ConfigException("Cannot build the %s TLS context: %s".formatted(what, e.getMessage()), e);
        }
    }
}
