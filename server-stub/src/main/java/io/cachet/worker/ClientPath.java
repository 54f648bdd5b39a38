package io.cachet.worker;

import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's path into the under-file-system, checked as text before any store sees it: absolute, no
 * {@code .} or {@code ..} segments, no NUL, control characters or backslashes, no over-long path or
 * name, and no name reserved for unfinished writes. Both under-file-systems take paths only through here.
 */
record ClientPath(String text, List<String> names) {
    static final String TEMPORARY_PREFIX = ".cachet-tmp-";
    private static final int MAX_PATH_BYTES = 4096;
    private static final int MAX_NAME_BYTES = 255;

    ClientPath {
        names = List.copyOf(names);
    }

    static ClientPath parse(String text, PathRefusals refusals) throws AccessDeniedException {
        if (text == null || text.isEmpty()) {
            throw refusals.refuse(text, "the path is empty");
        }
        if (text.indexOf('\0') >= 0) {
            throw refusals.refuse(text, "the path contains a NUL byte");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw refusals.refuse(text, "the path is longer than " + MAX_PATH_BYTES + " bytes");
        }
        if (!text.startsWith("/")) {
            throw refusals.refuse(text, "the path is not absolute");
        }
        List<String> names = new ArrayList<>();
        for (String segment : text.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            if (segment.equals("..") || segment.equals(".")) {
                throw refusals.refuse(text, "'" + segment + "' segments are not allowed");
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw refusals.refuse(text, "a name is longer than " + MAX_NAME_BYTES + " bytes");
            }
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                if (c < 0x20 || c == 0x7f || c == '\\') {
                    throw refusals.refuse(text, "the path contains a control character or backslash");
                }
            }
            if (segment.startsWith(TEMPORARY_PREFIX)) {
                throw refusals.refuse(text, "names starting with " + TEMPORARY_PREFIX + " belong to unfinished writes");
            }
            names.add(segment);
        }
        return new ClientPath(text, names);
    }

    boolean isRoot() {
        return names.isEmpty();
    }

    /** The path in its one normal form: {@code /} or {@code /a/b}. */
    String normal() {
        return "/" + String.join("/", names);
    }

    /** The parent's normal form; the root's parent is the root. */
    String parent() {
        return names.size() <= 1 ? "/" : "/" + String.join("/", names.subList(0, names.size() - 1));
    }

    String name() {
        return names.isEmpty() ? "" : names.get(names.size() - 1);
    }
}
