package io.cachet.trino;

import io.trino.spi.TrinoException;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.type.DecimalType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.Properties;

import static io.trino.spi.StandardErrorCode.GENERIC_USER_ERROR;
import static io.trino.spi.type.BigintType.BIGINT;
import static io.trino.spi.type.DateType.DATE;
import static io.trino.spi.type.DoubleType.DOUBLE;
import static io.trino.spi.type.VarbinaryType.VARBINARY;
import static io.trino.spi.type.VarcharType.VARCHAR;
import static io.trino.type.InternalTypeManager.TESTING_TYPE_MANAGER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableDefinitionTest {
    private static final SchemaTableName TABLE = new SchemaTableName("sales", "orders");

    @Test
    void typedColumnsKeepTheirOrderAndCommasInsideATypeBelongToIt() throws IOException {
        CachetTableHandle table = parse("columns=id bigint, price decimal(10, 2) , placed   date\n");

        assertThat(table.format()).as("parquet unless told").isEqualTo(TableFormat.PARQUET);
        assertThat(table.columns()).containsExactly(
                new CachetColumnHandle("id", BIGINT, false),
                new CachetColumnHandle("price", DecimalType.createDecimalType(10, 2), false),
                new CachetColumnHandle("placed", DATE, false));
    }

    @Test
    void partitionKeysComeLastWithTheirDeclaredTypeOrVarchar() throws IOException {
        CachetTableHandle table = parse("""
                format = CSV
                columns = day date, order_id bigint, amount double
                partitioned_by = day, region
                """);

        assertThat(table.format()).isEqualTo(TableFormat.CSV);
        assertThat(table.columns()).containsExactly(
                new CachetColumnHandle("order_id", BIGINT, false),
                new CachetColumnHandle("amount", DOUBLE, false),
                new CachetColumnHandle("day", DATE, true),
                new CachetColumnHandle("region", VARCHAR, true));
        assertThat(table.partitionColumns()).extracting(CachetColumnHandle::name).containsExactly("day", "region");
    }

    @Test
    void aDefinitionTrinoWroteReadsBackAsTheSameColumns() throws IOException {
        List<CachetColumnHandle> columns = List.of(
                new CachetColumnHandle("id", BIGINT, false),
                new CachetColumnHandle("price", DecimalType.createDecimalType(12, 3), false),
                new CachetColumnHandle("note", VARCHAR, false));
        StringWriter text = new StringWriter();
        TableDefinition.of(TableFormat.PARQUET, columns).store(text, "written by this test");

        CachetTableHandle table = parse(text.toString());

        assertThat(table.format()).isEqualTo(TableFormat.PARQUET);
        assertThat(table.columns()).isEqualTo(columns);
    }

    @Test
    void anEmptyDefinitionIsAParquetTableWithNoColumns() throws IOException {
        CachetTableHandle table = parse("");

        assertThat(table.format()).isEqualTo(TableFormat.PARQUET);
        assertThat(table.columns()).isEmpty();
    }

    @Test
    void mistakesAreUserErrorsThatNameTheTableTheFileAndTheFix() {
        assertUserError("format=orc", "Table sales.orders: format=ORC in _table.properties is not parquet or csv");
        assertUserError("columns=id bigint, price", "Table sales.orders: column 'price' in _table.properties needs a name and a type, like 'price double'");
        assertUserError("columns=id bigintt", "Table sales.orders: unknown type 'bigintt' in _table.properties");
        assertUserError("format=csv\ncolumns=payload varbinary", "Table sales.orders: CSV columns can be " + TextValues.READABLE + ", not varbinary");
    }

    @Test
    void aParquetTableMayHoldTypesThatCsvCannot() throws IOException {
        assertThat(parse("columns=payload varbinary").columns()).containsExactly(new CachetColumnHandle("payload", VARBINARY, false));
    }

    @Test
    void topLevelCommasSplitAndEmptyItemsAreDropped() {
        assertThat(TableDefinition.topLevelCommaList("a bigint, b decimal(10,2),, c row(x int, y map(varchar, int)) ,"))
                .containsExactly("a bigint", "b decimal(10,2)", "c row(x int, y map(varchar, int))");
        assertThat(TableDefinition.topLevelCommaList("  ")).isEmpty();
    }

    private static CachetTableHandle parse(String text) throws IOException {
        Properties definition = new Properties();
        definition.load(new StringReader(text));
        return TableDefinition.parse(TABLE, definition, TESTING_TYPE_MANAGER);
    }

    private static void assertUserError(String text, String message) {
        assertThatThrownBy(() -> parse(text))
                .as(text)
                .isInstanceOfSatisfying(TrinoException.class, e -> assertThat(e.getErrorCode()).isEqualTo(GENERIC_USER_ERROR.toErrorCode()))
                .hasMessage(message);
    }
}
