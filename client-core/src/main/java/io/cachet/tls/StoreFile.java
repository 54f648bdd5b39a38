package io.cachet.tls;

import io.cachet.conf.ConfigException;
import io.cachet.conf.StoreType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.Optional;

/** Reads a key store or trust store file, telling JKS, PKCS#12 and PEM apart by content. */
final class StoreFile {
    private static final int JKS_MAGIC = 0xFEEDFEED;
    private static final int JCEKS_MAGIC = 0xCECECECE;

    private StoreFile() {}

    static byte[] read(Path path, StoreRole role, String pathKey) {
        try {
            return Files.readAllBytes(path);
        }
        catch (NoSuchFileException e) {
            throw new ConfigException("Cannot open %s %s: the file does not exist. Fix: check %s".formatted(role.noun(), path, pathKey));
        }
        catch (AccessDeniedException e) {
            throw new ConfigException("Cannot open %s %s: permission denied. Fix: let this process's user read it".formatted(role.noun(), path));
        }
        catch (IOException e) {
            throw new ConfigException("Cannot read %s %s: %s. Fix: check %s".formatted(role.noun(), path, e.getMessage(), pathKey), e);
        }
    }

    static StoreType detect(byte[] content, Path path, StoreRole role) {
        if (content.length >= 4) {
            int magic = ((content[0] & 0xff) << 24) | ((content[1] & 0xff) << 16) | ((content[2] & 0xff) << 8) | (content[3] & 0xff);
            if (magic == JKS_MAGIC) {
                return StoreType.JKS;
            }
            if (magic == JCEKS_MAGIC) {
                throw new ConfigException("%s %s is a JCEKS file, which Cachet does not read. Fix: convert it with keytool -importkeystore -deststoretype PKCS12"
                        .formatted(capitalized(role), path));
            }
        }
        if (content.length > 0 && content[0] == 0x30) {
            return StoreType.PKCS12;
        }
        if (new String(content, StandardCharsets.US_ASCII).contains("-----BEGIN ")) {
            return StoreType.PEM;
        }
        throw new ConfigException("%s %s is neither a JKS, a PKCS#12 nor a PEM file%s. Fix: check %s"
                .formatted(capitalized(role), path, content.length == 0 ? " (it is empty)" : "", role.pathKey()));
    }

    /** The detected type, after checking that a configured type agrees with the content. */
    static StoreType type(byte[] content, Path path, StoreRole role, Optional<StoreType> configured) {
        StoreType detected = detect(content, path, role);
        if (configured.isPresent() && configured.get() != detected) {
            throw new ConfigException("%s %s is a %s file, but %s says %s. Fix: remove %s (the format is detected from the content) or set it to %s"
                    .formatted(capitalized(role), path, detected, role.typeKey(), configured.get(), role.typeKey(), detected.name().toLowerCase()));
        }
        return detected;
    }

    /** Opens a JKS or PKCS#12 store. */
    static KeyStore load(byte[] content, StoreType type, Path path, Optional<String> password, StoreRole role) {
        try {
            KeyStore store = KeyStore.getInstance(type == StoreType.JKS ? "JKS" : "PKCS12");
            store.load(new ByteArrayInputStream(content), password.map(String::toCharArray).orElse(null));
            return store;
        }
        catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                String fix = password.isPresent() ? "check " + role.passwordKey() : "set " + role.passwordKey();
                throw new ConfigException("Cannot open %s %s: the password is wrong%s (or the file is damaged). Fix: %s"
                        .formatted(role.noun(), path, password.isPresent() ? "" : " or missing", fix));
            }
            throw new ConfigException("Cannot open %s %s as %s: %s. Fix: check the file and %s"
                    .formatted(role.noun(), path, type, e.getMessage(), role.typeKey()), e);
        }
        catch (GeneralSecurityException e) {
            throw new ConfigException("Cannot open %s %s as %s: %s".formatted(role.noun(), path, type, e.getMessage()), e);
        }
    }

    private static String capitalized(StoreRole role) {
        return Character.toUpperCase(role.noun().charAt(0)) + role.noun().substring(1);
    }
}
