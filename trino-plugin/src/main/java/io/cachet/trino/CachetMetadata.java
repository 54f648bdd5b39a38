package io.cachet.trino;

import com.google.inject.Inject;
import io.airlift.slice.Slice;
import io.cachet.client.CachetClient;
import io.trino.spi.TrinoException;
import io.trino.spi.connector.ColumnHandle;
import io.trino.spi.connector.ColumnMetadata;
import io.trino.spi.connector.ConnectorInsertTableHandle;
import io.trino.spi.connector.ConnectorMetadata;
import io.trino.spi.connector.ConnectorOutputMetadata;
import io.trino.spi.connector.ConnectorOutputTableHandle;
import io.trino.spi.connector.ConnectorSession;
import io.trino.spi.connector.ConnectorTableHandle;
import io.trino.spi.connector.ConnectorTableLayout;
import io.trino.spi.connector.ConnectorTableMetadata;
import io.trino.spi.connector.ConnectorTableVersion;
import io.trino.spi.connector.Constraint;
import io.trino.spi.connector.ConstraintApplicationResult;
import io.trino.spi.connector.RetryMode;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.predicate.TupleDomain;
import io.trino.spi.security.TrinoPrincipal;
import io.trino.spi.statistics.ComputedStatistics;

import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static io.trino.spi.StandardErrorCode.ALREADY_EXISTS;
import static io.trino.spi.StandardErrorCode.NOT_SUPPORTED;
import static io.trino.spi.StandardErrorCode.SCHEMA_NOT_EMPTY;
import static io.trino.spi.StandardErrorCode.SCHEMA_NOT_FOUND;
import static io.trino.spi.StandardErrorCode.TABLE_ALREADY_EXISTS;

/**
 * Schemas, tables and columns of a Cachet cluster (see {@link TableLayout}), predicate push-down, and
 * the commit of writes: files staged by the page sinks move into the table when the query finishes.
 */
final class CachetMetadata implements ConnectorMetadata {
    private final TableLayout layout;
    // Staging folders of the writes in progress, by query: a failed query's sinks may have closed files there.
    private final Map<String, String> staging = new ConcurrentHashMap<>();

    @Inject
    CachetMetadata(TableLayout layout) {
        this.layout = layout;
    }

    @Override
    public List<String> listSchemaNames(ConnectorSession session) {
        return layout.schemas();
    }

    @Override
    public ConnectorTableHandle getTableHandle(ConnectorSession session, SchemaTableName name, Optional<ConnectorTableVersion> startVersion,
            Optional<ConnectorTableVersion> endVersion) {
        if (startVersion.isPresent() || endVersion.isPresent()) {
            throw new TrinoException(NOT_SUPPORTED, "Cachet tables have no versions to travel to");
        }
        if (TableLayout.isHidden(name.getTableName())) {
            return null;
        }
        return layout.table(name).orElse(null);
    }

    @Override
    public ConnectorTableMetadata getTableMetadata(ConnectorSession session, ConnectorTableHandle handle) {
        CachetTableHandle table = (CachetTableHandle) handle;
        return new ConnectorTableMetadata(table.name(), table.columns().stream().map(CachetColumnHandle::metadata).toList());
    }

    @Override
    public List<SchemaTableName> listTables(ConnectorSession session, Optional<String> schema) {
        List<String> schemas = schema.map(List::of).orElseGet(layout::schemas);
        return schemas.stream()
                .flatMap(name -> layout.tables(name).stream().map(table -> new SchemaTableName(name, table)))
                .toList();
    }

    @Override
    public Map<String, ColumnHandle> getColumnHandles(ConnectorSession session, ConnectorTableHandle handle) {
        Map<String, ColumnHandle> columns = new LinkedHashMap<>();
        ((CachetTableHandle) handle).columns().forEach(column -> columns.put(column.name(), column));
        return columns;
    }

    @Override
    public ColumnMetadata getColumnMetadata(ConnectorSession session, ConnectorTableHandle table, ColumnHandle column) {
        return ((CachetColumnHandle) column).metadata();
    }

    /**
     * Keeps the predicate in the handle: partition keys are enforced by listing only matching folders;
     * data columns stay for Trino to filter, after Parquet row groups whose statistics cannot match are skipped.
     */
    @Override
    public Optional<ConstraintApplicationResult<ConnectorTableHandle>> applyFilter(ConnectorSession session, ConnectorTableHandle handle, Constraint constraint) {
        CachetTableHandle table = (CachetTableHandle) handle;
        TupleDomain<ColumnHandle> combined = table.constraint().intersect(constraint.getSummary());
        if (combined.equals(table.constraint())) {
            return Optional.empty();
        }
        TupleDomain<ColumnHandle> remaining = constraint.getSummary().filter((column, domain) -> !((CachetColumnHandle) column).partitionKey());
        return Optional.of(new ConstraintApplicationResult<>(table.withConstraint(combined), remaining, constraint.getExpression(), false));
    }

    @Override
    public void createSchema(ConnectorSession session, String schemaName, Map<String, Object> properties, TrinoPrincipal owner) {
        String path = TableLayout.schemaPath(schemaName);
        if (layout.exists(path)) {
            throw new TrinoException(ALREADY_EXISTS, "Schema %s already exists at %s".formatted(schemaName, path));
        }
        run("Cannot create schema " + schemaName, () -> layout.client().mkdirs(path));
    }

    @Override
    public void dropSchema(ConnectorSession session, String schemaName, boolean cascade) {
        String path = TableLayout.schemaPath(schemaName);
        if (!layout.exists(path)) {
            throw new TrinoException(SCHEMA_NOT_FOUND, "Schema %s does not exist".formatted(schemaName));
        }
        List<String> tables = cascade ? List.of() : layout.tables(schemaName);
        if (!tables.isEmpty()) {
            throw new TrinoException(SCHEMA_NOT_EMPTY, "Schema %s still has tables %s; drop them first, or use DROP SCHEMA ... CASCADE".formatted(schemaName, tables));
        }
        run("Cannot drop schema " + schemaName, () -> layout.client().delete(path, true));
    }

    @Override
    public void dropTable(ConnectorSession session, ConnectorTableHandle handle) {
        SchemaTableName name = ((CachetTableHandle) handle).name();
        run("Cannot drop table " + name, () -> layout.client().delete(TableLayout.tablePath(name), true));
    }

    @Override
    public ConnectorOutputTableHandle beginCreateTable(ConnectorSession session, ConnectorTableMetadata metadata, Optional<ConnectorTableLayout> tableLayout,
            RetryMode retryMode, boolean replace) {
        SchemaTableName name = metadata.getTable();
        if (replace) {
            throw new TrinoException(NOT_SUPPORTED, "CREATE OR REPLACE TABLE is not supported by the Cachet connector");
        }
        if (!metadata.getProperties().isEmpty()) {
            throw new TrinoException(NOT_SUPPORTED, "The Cachet connector has no table properties: " + metadata.getProperties().keySet());
        }
        if (!layout.exists(TableLayout.schemaPath(name.getSchemaName()))) {
            throw new TrinoException(SCHEMA_NOT_FOUND, "Schema %s does not exist".formatted(name.getSchemaName()));
        }
        if (layout.exists(TableLayout.tablePath(name))) {
            throw new TrinoException(TABLE_ALREADY_EXISTS, "Table %s already exists".formatted(name));
        }
        List<CachetColumnHandle> columns = metadata.getColumns().stream()
                .filter(column -> !column.isHidden())
                .map(column -> new CachetColumnHandle(column.getName(), column.getType(), false))
                .toList();
        return new CachetWriteHandle(name, columns, staging(session, name), true);
    }

    @Override
    public Optional<ConnectorOutputMetadata> finishCreateTable(ConnectorSession session, ConnectorOutputTableHandle handle, Collection<Slice> fragments,
            Collection<ComputedStatistics> statistics) {
        CachetWriteHandle write = (CachetWriteHandle) handle;
        run("Cannot create the folder of " + write.name(), () -> layout.client().mkdirs(TableLayout.tablePath(write.name())));
        layout.writeDefinition(write.name(), TableFormat.PARQUET, write.columns());
        commit(write, fragments);
        return Optional.empty();
    }

    @Override
    public ConnectorInsertTableHandle beginInsert(ConnectorSession session, ConnectorTableHandle handle, List<ColumnHandle> columns, RetryMode retryMode) {
        CachetTableHandle table = (CachetTableHandle) handle;
        if (table.format() != TableFormat.PARQUET) {
            throw new TrinoException(NOT_SUPPORTED, "Table %s is %s: the Cachet connector inserts into Parquet tables only".formatted(table.name(), table.format()));
        }
        if (!table.partitionColumns().isEmpty()) {
            throw new TrinoException(NOT_SUPPORTED, "Table %s is partitioned: the Cachet connector does not insert into partition folders yet".formatted(table.name()));
        }
        return new CachetWriteHandle(table.name(), table.dataColumns(), staging(session, table.name()), false);
    }

    @Override
    public Optional<ConnectorOutputMetadata> finishInsert(ConnectorSession session, ConnectorInsertTableHandle handle, List<ConnectorTableHandle> sourceTableHandles,
            Collection<Slice> fragments, Collection<ComputedStatistics> statistics) {
        commit((CachetWriteHandle) handle, fragments);
        return Optional.empty();
    }

    private String staging(ConnectorSession session, SchemaTableName table) {
        String path = TableLayout.stagingPath(table.getSchemaName(), session.getQueryId());
        staging.put(session.getQueryId(), path);
        return path;
    }

    /** Last call for every query, succeeded or failed: whatever a failed write staged is deleted, so nothing of it is ever visible. */
    @Override
    public void cleanupQuery(ConnectorSession session) {
        String path = staging.remove(session.getQueryId());
        if (path != null && layout.exists(path)) {
            run("Cannot remove " + path, () -> layout.client().delete(path, true));
        }
    }

    /** Moves every staged file into the table folder, then drops the staging folder. */
    private void commit(CachetWriteHandle write, Collection<Slice> fragments) {
        CachetClient client = layout.client();
        String table = TableLayout.tablePath(write.name());
        for (Slice fragment : fragments) {
            String staged = fragment.toStringUtf8();
            String target = table + staged.substring(staged.lastIndexOf('/'));
            run("Cannot move %s into %s".formatted(staged, table), () -> {
                if (!client.rename(staged, target)) {
                    throw new IOException("the rename was refused");
                }
                return true;
            });
        }
        run("Cannot remove " + write.stagingPath(), () -> client.delete(write.stagingPath(), true));
    }

    private interface FileAction {
        boolean run() throws IOException;
    }

    private static void run(String failure, FileAction action) {
        try {
            action.run();
        }
        catch (IOException e) {
            throw CachetFiles.failure(failure, e);
        }
    }
}
