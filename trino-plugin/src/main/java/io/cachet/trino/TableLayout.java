package io.cachet.trino;

import com.google.inject.Inject;
import io.cachet.client.CachetClient;
import io.cachet.client.CachetInputStream;
import io.cachet.client.FileStatus;
import io.trino.spi.connector.ColumnHandle;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.predicate.Domain;
import io.trino.spi.predicate.TupleDomain;
import io.trino.spi.type.TypeManager;
import io.trino.spi.type.VarcharType;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Where tables live in Cachet and what they hold: a schema is a top-level folder, a table a folder
 * below it, data files sit in the table folder or in Hive-style {@code key=value} partition folders,
 * and names starting with {@code _} or {@code .} are not data. A table's columns come from its
 * definition file ({@link TableDefinition}) or, without one, from its first data file: the Parquet
 * footer, or the CSV header (all varchar).
 */
final class TableLayout {
    private static final String STAGING_FOLDER = "_cachet_staging";

    private final CachetFiles files;
    private final TypeManager typeManager;

    @Inject
    TableLayout(CachetFiles files, TypeManager typeManager) {
        this.files = files;
        this.typeManager = typeManager;
    }

    /** A data file of a table, with the partition values its folders name. */
    record DataFile(String path, long length, Map<String, String> partitionValues) {}

    static String schemaPath(String schema) {
        return "/" + schema;
    }

    static String tablePath(SchemaTableName table) {
        return schemaPath(table.getSchemaName()) + "/" + table.getTableName();
    }

    static String stagingPath(String schema, String queryId) {
        return schemaPath(schema) + "/" + STAGING_FOLDER + "/" + queryId;
    }

    static boolean isHidden(String name) {
        return name.startsWith("_") || name.startsWith(".");
    }

    static String name(FileStatus status) {
        return status.path().substring(status.path().lastIndexOf('/') + 1);
    }

    CachetClient client() {
        return files.client();
    }

    List<String> schemas() {
        return folders("/");
    }

    List<String> tables(String schema) {
        return folders(schemaPath(schema));
    }

    boolean exists(String path) {
        try {
            client().status(path);
            return true;
        }
        catch (FileNotFoundException e) {
            return false;
        }
        catch (IOException e) {
            throw CachetFiles.failure("Cannot look up " + path, e);
        }
    }

    /** The table's handle, if its folder exists. */
    Optional<CachetTableHandle> table(SchemaTableName name) {
        String path = tablePath(name);
        try {
            FileStatus status = client().status(path);
            if (!status.directory()) {
                return Optional.empty();
            }
            Optional<Properties> definition = readDefinition(path);
            if (definition.isPresent()) {
                return Optional.of(TableDefinition.parse(name, definition.get(), typeManager));
            }
            return discover(name);
        }
        catch (FileNotFoundException e) {
            return Optional.empty();
        }
        catch (IOException e) {
            throw CachetFiles.failure("Cannot read table " + name + " at " + path, e);
        }
    }

    /** The data files of a table whose partition values the handle's constraint admits; other partition folders are not listed. */
    List<DataFile> dataFiles(CachetTableHandle table) {
        List<DataFile> found = new ArrayList<>();
        try {
            collect(table, tablePath(table.name()), new LinkedHashMap<>(), found);
        }
        catch (IOException e) {
            throw CachetFiles.failure("Cannot list table " + table.name(), e);
        }
        return found;
    }

    void writeDefinition(SchemaTableName name, TableFormat format, List<CachetColumnHandle> columns) {
        StringWriter text = new StringWriter();
        try {
            TableDefinition.of(format, columns).store(text, "Cachet table " + name);
            try (OutputStream out = client().create(tablePath(name) + "/" + TableDefinition.FILE_NAME, true, true)) {
                out.write(text.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        catch (IOException e) {
            throw CachetFiles.failure("Cannot write the definition of " + name, e);
        }
    }

    private void collect(CachetTableHandle table, String folder, Map<String, String> partition, List<DataFile> found) throws IOException {
        int depth = partition.size();
        List<CachetColumnHandle> partitionColumns = table.partitionColumns();
        for (FileStatus entry : client().list(folder)) {
            String name = name(entry);
            if (isHidden(name)) {
                continue;
            }
            if (!entry.directory()) {
                if (depth == partitionColumns.size() && name.endsWith(table.format().extension())) {
                    found.add(new DataFile(entry.path(), entry.length(), Map.copyOf(partition)));
                }
                continue;
            }
            if (depth >= partitionColumns.size()) {
                continue;
            }
            CachetColumnHandle key = partitionColumns.get(depth);
            int equals = name.indexOf('=');
            if (equals < 0 || !name.substring(0, equals).equals(key.name())) {
                continue;
            }
            String value = name.substring(equals + 1);
            if (!admits(table.constraint(), key, value)) {
                continue;
            }
            Map<String, String> deeper = new LinkedHashMap<>(partition);
            deeper.put(key.name(), value);
            collect(table, entry.path(), deeper, found);
        }
    }

    private static boolean admits(TupleDomain<ColumnHandle> constraint, CachetColumnHandle key, String value) {
        Optional<Map<ColumnHandle, Domain>> domains = constraint.getDomains();
        if (domains.isEmpty()) {
            // none: nothing can match
            return false;
        }
        Domain domain = domains.get().get(key);
        return domain == null || domain.includesNullableValue(TextValues.parse(key.type(), value));
    }

    /** Without a definition: partition keys from the folder names down to the first data file, columns from that file. */
    private Optional<CachetTableHandle> discover(SchemaTableName name) throws IOException {
        List<String> partitionKeys = new ArrayList<>();
        String folder = tablePath(name);
        while (true) {
            Optional<FileStatus> file = Optional.empty();
            Optional<FileStatus> partition = Optional.empty();
            for (FileStatus entry : client().list(folder)) {
                String entryName = name(entry);
                if (isHidden(entryName)) {
                    continue;
                }
                if (!entry.directory() && (entryName.endsWith(TableFormat.PARQUET.extension()) || entryName.endsWith(TableFormat.CSV.extension()))) {
                    file = file.or(() -> Optional.of(entry));
                }
                else if (entry.directory() && entryName.contains("=")) {
                    partition = partition.or(() -> Optional.of(entry));
                }
            }
            if (file.isPresent()) {
                TableFormat format = name(file.get()).endsWith(TableFormat.PARQUET.extension()) ? TableFormat.PARQUET : TableFormat.CSV;
                List<CachetColumnHandle> columns = new ArrayList<>(format == TableFormat.PARQUET
                        ? ParquetColumns.fromFooter(client(), file.get())
                        : csvHeader(file.get().path()).stream().map(column -> new CachetColumnHandle(column, VarcharType.VARCHAR, false)).toList());
                partitionKeys.forEach(key -> columns.add(new CachetColumnHandle(key, VarcharType.VARCHAR, true)));
                return Optional.of(new CachetTableHandle(name, format, columns, TupleDomain.all()));
            }
            if (partition.isEmpty()) {
                // An empty folder, or nothing Cachet can read in it.
                return Optional.empty();
            }
            String partitionName = name(partition.get());
            partitionKeys.add(partitionName.substring(0, partitionName.indexOf('=')));
            folder = partition.get().path();
        }
    }

    private List<String> csvHeader(String path) throws IOException {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(client().open(path), StandardCharsets.UTF_8))) {
            String header = reader.readLine();
            if (header == null) {
                return List.of();
            }
            return CsvPageSource.parseLine(header);
        }
    }

    private Optional<Properties> readDefinition(String tablePath) throws IOException {
        try (CachetInputStream in = client().open(tablePath + "/" + TableDefinition.FILE_NAME)) {
            Properties definition = new Properties();
            definition.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            return Optional.of(definition);
        }
        catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    private List<String> folders(String path) {
        try {
            return client().list(path).stream()
                    .filter(FileStatus::directory)
                    .map(TableLayout::name)
                    .filter(name -> !isHidden(name))
                    .sorted()
                    .toList();
        }
        catch (FileNotFoundException e) {
            return List.of();
        }
        catch (IOException e) {
            throw CachetFiles.failure("Cannot list " + path, e);
        }
    }
}
