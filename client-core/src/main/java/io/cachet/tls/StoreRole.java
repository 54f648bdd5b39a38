package io.cachet.tls;

import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigKey;

/** Which of the two stores a file plays, so messages can name the keys that configure it. */
enum StoreRole {
    KEY_STORE("key store", CachetKeys.TLS_KEYSTORE_PATH, CachetKeys.TLS_KEYSTORE_PASSWORD, CachetKeys.TLS_KEYSTORE_TYPE, CachetKeys.TLS_KEYSTORE_ALIAS),
    TRUST_STORE("trust store", CachetKeys.TLS_TRUSTSTORE_PATH, CachetKeys.TLS_TRUSTSTORE_PASSWORD, CachetKeys.TLS_TRUSTSTORE_TYPE, CachetKeys.TLS_TRUSTSTORE_ALIAS);

    private final String noun;
    private final ConfigKey<?> path;
    private final ConfigKey<?> password;
    private final ConfigKey<?> type;
    private final ConfigKey<?> alias;

    StoreRole(String noun, ConfigKey<?> path, ConfigKey<?> password, ConfigKey<?> type, ConfigKey<?> alias) {
        this.noun = noun;
        this.path = path;
        this.password = password;
        this.type = type;
        this.alias = alias;
    }

    String noun() {
        return noun;
    }

    String pathKey() {
        return path.name();
    }

    String passwordKey() {
        return password.name();
    }

    String typeKey() {
        return type.name();
    }

    String aliasKey() {
        return alias.name();
    }
}
