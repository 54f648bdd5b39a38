package io.cachet.tls;

import static java.util.Objects.requireNonNull;

/** What went wrong in a TLS setup or handshake, and what to change to fix it. */
public record TlsDiagnosis(String problem, String fix) {
    public TlsDiagnosis {
        requireNonNull(problem, "problem is null");
        requireNonNull(fix, "fix is null");
    }

    public String message() {
        return problem + ". Fix: " + fix;
    }
}
