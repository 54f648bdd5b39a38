package io.cachet.trino;

import io.trino.spi.TrinoException;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.predicate.TupleDomain;
import io.trino.spi.type.Type;
import io.trino.spi.type.TypeManager;
import io.trino.spi.type.VarcharType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import static io.trino.spi.StandardErrorCode.GENERIC_USER_ERROR;

/**
 * A table's definition file, {@value #FILE_NAME}, in a table folder:
 * <pre>
 * format=csv
 * columns=region varchar, price decimal(10,2), day date
 * partitioned_by=day
 * </pre>
 * The format defaults to parquet; partition keys come after the other columns, and those not declared
 * among the columns are varchar.
 */
final class TableDefinition {
    static final String FILE_NAME = "_table.properties";

    private static final String FORMAT = "format";
    private static final String COLUMNS = "columns";
    private static final String PARTITIONED_BY = "partitioned_by";

    private TableDefinition() {}

    /** The table a definition describes; a mistake in it is a user error that names the table, the file and what to write. */
    static CachetTableHandle parse(SchemaTableName name, Properties definition, TypeManager types) {
        String format = definition.getProperty(FORMAT, "parquet").trim().toUpperCase(Locale.ROOT);
        TableFormat tableFormat;
        try {
            tableFormat = TableFormat.valueOf(format);
        }
        catch (IllegalArgumentException e) {
            throw new TrinoException(GENERIC_USER_ERROR, "Table %s: format=%s in %s is not parquet or csv".formatted(name, format, FILE_NAME));
        }
        Map<String, Type> declared = new LinkedHashMap<>();
        for (String column : topLevelCommaList(definition.getProperty(COLUMNS, ""))) {
            String[] parts = column.split("\\s+", 2);
            if (parts.length != 2) {
                throw new TrinoException(GENERIC_USER_ERROR, "Table %s: column '%s' in %s needs a name and a type, like 'price double'".formatted(name, column, FILE_NAME));
            }
            declared.put(parts[0], type(name, parts[1], tableFormat, types));
        }
        List<String> partitionKeys = topLevelCommaList(definition.getProperty(PARTITIONED_BY, ""));
        List<CachetColumnHandle> columns = new ArrayList<>();
        declared.forEach((column, type) -> {
            if (!partitionKeys.contains(column)) {
                columns.add(new CachetColumnHandle(column, type, false));
            }
        });
        for (String key : partitionKeys) {
            columns.add(new CachetColumnHandle(key, declared.getOrDefault(key, VarcharType.VARCHAR), true));
        }
        return new CachetTableHandle(name, tableFormat, columns, TupleDomain.all());
    }

    /** The definition of a table Trino writes: its format and its columns other than partition keys, in order. */
    static Properties of(TableFormat format, List<CachetColumnHandle> columns) {
        Properties definition = new Properties();
        definition.setProperty(FORMAT, format.name().toLowerCase(Locale.ROOT));
        definition.setProperty(COLUMNS, String.join(", ", columns.stream().filter(column -> !column.partitionKey())
                .map(column -> column.name() + " " + column.type().getDisplayName()).toList()));
        return definition;
    }

    /** "a bigint, b decimal(10,2)" -> ["a bigint", "b decimal(10,2)"]: commas inside parentheses belong to a type. */
    static List<String> topLevelCommaList(String text) {
        List<String> items = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ',';
            if (c == '(') {
                depth++;
            }
            else if (c == ')') {
                depth--;
            }
            else if (c == ',' && depth == 0) {
                String item = text.substring(start, Math.min(i, text.length())).trim();
                if (!item.isEmpty()) {
                    items.add(item);
                }
                start = i + 1;
            }
        }
        return items;
    }

    private static Type type(SchemaTableName table, String sqlType, TableFormat format, TypeManager types) {
        Type type;
        try {
            type = types.fromSqlType(sqlType.trim());
        }
        catch (RuntimeException e) {
            throw new TrinoException(GENERIC_USER_ERROR, "Table %s: unknown type '%s' in %s".formatted(table, sqlType.trim(), FILE_NAME), e);
        }
        if (format == TableFormat.CSV && !TextValues.readable(type)) {
            throw new TrinoException(GENERIC_USER_ERROR, "Table %s: CSV columns can be %s, not %s".formatted(table, TextValues.READABLE, sqlType.trim()));
        }
        return type;
    }
}
