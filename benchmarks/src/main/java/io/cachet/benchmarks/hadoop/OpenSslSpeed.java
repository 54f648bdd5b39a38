package io.cachet.benchmarks.hadoop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One core's AES-128-GCM speed on 16 KiB blocks, from {@code openssl speed}: the ceiling a TLS stream on one core can reach. */
final class OpenSslSpeed {
    private static final Pattern RESULT = Pattern.compile("(?m)^AES-128-GCM\\s+([0-9.]+)k\\s*$");

    private OpenSslSpeed() {}

    /** Bytes per second, or NaN when {@code openssl} is missing or says something else. */
    static double aes128GcmBytesPerSecond() throws InterruptedException {
        try {
            Process process = new ProcessBuilder("openssl", "speed", "-evp", "aes-128-gcm", "-bytes", "16384", "-seconds", "3")
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(1, TimeUnit.MINUTES);
            Matcher matcher = RESULT.matcher(output);
            if (matcher.find()) {
                return Double.parseDouble(matcher.group(1)) * 1000;
            }
            System.err.println("openssl speed printed no AES-128-GCM figure:\n" + output);
        }
        catch (IOException e) {
            System.err.println("openssl speed did not run: " + e.getMessage());
        }
        return Double.NaN;
    }
}
