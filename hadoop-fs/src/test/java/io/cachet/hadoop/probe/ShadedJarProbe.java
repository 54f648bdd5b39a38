package io.cachet.hadoop.probe;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.Random;

/**
 * Runs in a JVM whose classpath is the shaded jar, the Hadoop client jars and other versions of Netty,
 * Guava and protobuf, the way an engine would load Cachet. Prints one line per check; exits 0 when all pass.
 * Arguments: the coordinator port. TLS settings come as -Dcachet.* system properties.
 */
public final class ShadedJarProbe {
    private ShadedJarProbe() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        System.out.println("engine netty: " + codeSource("io.netty.util.Version"));
        System.out.println("engine guava: " + codeSource("com.google.common.base.Preconditions"));
        System.out.println("engine protobuf: " + codeSource("com.google.protobuf.Message"));
        System.out.println("relocated netty openssl: " + openSslAvailable("io.cachet.shaded.io.netty.handler.ssl.OpenSsl"));
        System.out.println("relocated grpc netty openssl: " + openSslAvailable("io.cachet.shaded.io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl"));

        Configuration conf = new Configuration();
        byte[] content = new byte[3_000_000];
        new Random(7).nextBytes(content);
        try (FileSystem fs = FileSystem.newInstance(URI.create("cachet://localhost:" + port + "/"), conf)) {
            Path path = new Path("/shaded/probe.bin");
            try (FSDataOutputStream out = fs.create(path, true)) {
                out.write(content);
            }
            byte[] read = new byte[content.length];
            try (FSDataInputStream in = fs.open(path)) {
                in.readFully(0, read);
            }
            System.out.println("roundtrip: " + (Arrays.equals(content, read) ? "OK" : "MISMATCH"));
            System.out.println("filesystem class: " + fs.getClass().getName());
        }
        try (FileSystem fs = FileSystem.newInstance(URI.create("cachet://127.0.0.1:" + port + "/"), conf)) {
            fs.getFileStatus(new Path("/"));
            System.out.println("hostname check: NOT ENFORCED");
        }
        catch (IOException e) {
            System.out.println("hostname check: " + e.getMessage());
        }
    }

    private static String codeSource(String className) {
        try {
            return Class.forName(className).getProtectionDomain().getCodeSource().getLocation().getPath();
        }
        catch (ClassNotFoundException e) {
            return "absent";
        }
    }

    private static String openSslAvailable(String className) throws ReflectiveOperationException {
        return String.valueOf(Class.forName(className).getMethod("isAvailable").invoke(null));
    }
}
