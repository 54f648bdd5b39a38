package io.cachet.trino;

import io.cachet.conf.ConfigException;
import io.trino.parquet.ParquetCorruptionException;
import io.trino.spi.ErrorCode;
import io.trino.spi.ErrorCodeSupplier;
import io.trino.spi.ErrorType;
import io.trino.spi.TrinoException;

import javax.net.ssl.SSLException;

import java.io.FileNotFoundException;
import java.net.ConnectException;

import static io.trino.spi.ErrorType.EXTERNAL;
import static io.trino.spi.ErrorType.USER_ERROR;

/**
 * The connector's own error codes, as Trino's connectors have theirs (Hive's {@code HIVE_*}): a failure
 * of the Cachet cluster or of its TLS set-up is external or the user's to fix, never an internal error
 * of Trino, and its message reaches the user unchanged.
 */
public enum CachetErrorCode implements ErrorCodeSupplier {
    /** A TLS handshake with a Cachet server failed: trust, host name, protocol or certificate. */
    CACHET_TLS_ERROR(0, EXTERNAL),
    /** The catalog's Cachet settings cannot be used (an unknown key, a bad value, TLS material that does not load). */
    CACHET_CONFIGURATION_ERROR(1, USER_ERROR),
    /** No Cachet server answered. */
    CACHET_UNAVAILABLE(2, EXTERNAL),
    /** A file named by a table is not in Cachet. */
    CACHET_FILE_NOT_FOUND(3, EXTERNAL),
    /** Reading or writing a file through Cachet failed. */
    CACHET_FILESYSTEM_ERROR(4, EXTERNAL),
    /** A Parquet file that is not one, or is broken. */
    CACHET_BAD_DATA(5, EXTERNAL);

    // Trino's connectors each take a range of codes; this one is Cachet's.
    private static final int BASE = 0x0543_0000;

    private final ErrorCode errorCode;

    CachetErrorCode(int code, ErrorType type) {
        errorCode = new ErrorCode(BASE + code, name(), type);
    }

    @Override
    public ErrorCode toErrorCode() {
        return errorCode;
    }

    /** {@code action: cause's message}, under the code the cause calls for; {@code otherwise} when nothing more specific applies. */
    static TrinoException failure(String action, Throwable cause, CachetErrorCode otherwise) {
        return new TrinoException(classify(cause, otherwise), action + ": " + cause.getMessage(), cause);
    }

    /** The most specific code along the cause chain. */
    static CachetErrorCode classify(Throwable failure, CachetErrorCode otherwise) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ParquetCorruptionException) {
                return CACHET_BAD_DATA;
            }
            if (cause instanceof SSLException) {
                return CACHET_TLS_ERROR;
            }
            if (cause instanceof ConfigException) {
                return CACHET_CONFIGURATION_ERROR;
            }
            if (cause instanceof FileNotFoundException) {
                return CACHET_FILE_NOT_FOUND;
            }
            if (cause instanceof ConnectException) {
                return CACHET_UNAVAILABLE;
            }
        }
        return otherwise;
    }
}
