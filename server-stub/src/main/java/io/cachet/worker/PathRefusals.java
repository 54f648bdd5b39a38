package io.cachet.worker;

import io.cachet.server.RefusalLog;

import java.nio.file.AccessDeniedException;

/** Refuses a client path that would leave the under-file-system root, logging each reason once a minute at most. */
final class PathRefusals {
    private static final int SHOWN_CHARACTERS = 200;

    /** A client that keeps knocking on a wrong path could fill the log. */
    private final RefusalLog log;

    PathRefusals(Class<?> owner) {
        this.log = new RefusalLog(owner);
    }

    AccessDeniedException refuse(String clientPath, String reason) {
        String shown = clientPath == null ? "(none)" : clientPath.replace("\0", "\\0");
        if (shown.length() > SHOWN_CHARACTERS) {
            shown = shown.substring(0, SHOWN_CHARACTERS) + "...";
        }
        log.warn(reason, "Refused path '%s': %s".formatted(shown, reason));
        return new AccessDeniedException(shown, null, "refused: " + reason + "; paths must stay inside the under-file-system root");
    }
}
