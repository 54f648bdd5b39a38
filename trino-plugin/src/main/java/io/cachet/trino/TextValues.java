package io.cachet.trino;

import io.trino.spi.StandardErrorCode;
import io.trino.spi.TrinoException;
import io.trino.spi.type.BigintType;
import io.trino.spi.type.BooleanType;
import io.trino.spi.type.DateType;
import io.trino.spi.type.DoubleType;
import io.trino.spi.type.IntegerType;
import io.trino.spi.type.RealType;
import io.trino.spi.type.Type;
import io.trino.spi.type.VarcharType;

import java.time.LocalDate;

import static io.airlift.slice.Slices.utf8Slice;
import static io.trino.spi.StandardErrorCode.NOT_SUPPORTED;

/**
 * Values written as text (CSV fields and partition folder names) and the types a table definition may
 * declare for them. An empty field is NULL.
 */
final class TextValues {
    private TextValues() {}

    static final String READABLE = "varchar, bigint, integer, double, real, boolean or date";

    /** Whether values of {@code type} can be read from text. */
    static boolean readable(Type type) {
        return type instanceof VarcharType || type == BigintType.BIGINT || type == IntegerType.INTEGER || type == DoubleType.DOUBLE
                || type == RealType.REAL || type == BooleanType.BOOLEAN || type == DateType.DATE;
    }

    /** The value of {@code text} as Trino's native Java value for {@code type}: Slice, Long, Double or Boolean; null when empty. */
    static Object parse(Type type, String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            if (type instanceof VarcharType) {
                return utf8Slice(text);
            }
            if (type == BigintType.BIGINT || type == IntegerType.INTEGER) {
                return Long.parseLong(text.trim());
            }
            if (type == DoubleType.DOUBLE) {
                return Double.parseDouble(text.trim());
            }
            if (type == RealType.REAL) {
                return (long) Float.floatToRawIntBits(Float.parseFloat(text.trim()));
            }
            if (type == BooleanType.BOOLEAN) {
                return Boolean.parseBoolean(text.trim());
            }
            if (type == DateType.DATE) {
                return LocalDate.parse(text.trim()).toEpochDay();
            }
        }
        catch (RuntimeException e) {
            throw new TrinoException(StandardErrorCode.GENERIC_USER_ERROR, "Cannot read '%s' as %s".formatted(text, type.getDisplayName()), e);
        }
        throw new TrinoException(NOT_SUPPORTED, "Type %s cannot be read from text".formatted(type.getDisplayName()));
    }
}
