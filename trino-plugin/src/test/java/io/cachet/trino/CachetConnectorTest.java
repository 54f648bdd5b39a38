package io.cachet.trino;

import io.cachet.client.CachetClient;
import io.cachet.client.FileStatus;
import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import io.trino.Session;
import io.trino.execution.QueryStats;
import io.trino.spi.ErrorCode;
import io.trino.spi.HostAddress;
import io.trino.spi.QueryId;
import io.trino.spi.TrinoException;
import io.trino.spi.connector.Connector;
import io.trino.spi.connector.ConnectorSplit;
import io.trino.spi.connector.ConnectorTableHandle;
import io.trino.spi.connector.Constraint;
import io.trino.spi.connector.DynamicFilterSnapshot;
import io.trino.spi.connector.SchemaTableName;
import io.trino.testing.DistributedQueryRunner;
import io.trino.testing.MaterializedRow;
import io.trino.testing.QueryFailedException;
import io.trino.testing.QueryRunner;
import io.trino.testing.TestingConnectorContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.trino.testing.TestingConnectorSession.SESSION;
import static io.trino.testing.TestingSession.testSessionBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The connector in a real Trino (coordinator and two workers in one JVM) over two real Cachet
 * clusters: catalog {@code cachet} reaches one with TLS and mutual authentication on every plane,
 * catalog {@code plain} another without TLS. CSV tables are written as files by the test; Parquet
 * tables by Trino itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CachetConnectorTest {
    private static final List<String> WORKER_HOSTS = List.of("127.0.0.1", "127.0.0.2");

    @TempDir
    static Path directory;

    private MiniCluster secure;
    private MiniCluster plain;
    private Map<String, String> secureCatalog;
    private CachetClient client;
    private DistributedQueryRunner runner;

    @BeforeAll
    void start() throws Exception {
        TestPki pki = TestPki.create(directory, "Trino CA");
        List<String> hosts = new ArrayList<>(WORKER_HOSTS);
        hosts.add("localhost");
        Map<String, String> node = pki.nodeSettings(pki.server(hosts));
        node.put("cachet.network.tls.client.auth", "required");
        secure = MiniCluster.builder(directory.resolve("secure")).workers(2).workerHosts(WORKER_HOSTS).properties(node).start();
        plain = MiniCluster.builder(directory.resolve("plain")).workers(1).start();

        secureCatalog = new HashMap<>(pki.nodeSettings(pki.client("trino")));
        secureCatalog.put("cachet.coordinator.address", "localhost:" + secure.coordinatorPort());
        secureCatalog.put("cachet.trino.max-split-size", "256kB");
        client = CachetClient.connect(TestPki.config(secureCatalog));
        writeCsvTables();

        runner = DistributedQueryRunner.builder(testSessionBuilder().setCatalog("cachet").setSchema("sales").build())
                .setWorkerCount(2)
                .build();
        runner.installPlugin(new CachetPlugin());
        runner.createCatalog("cachet", "cachet", secureCatalog);
        runner.createCatalog("plain", "cachet", Map.of("cachet.coordinator.address", "localhost:" + plain.coordinatorPort()));

        runner.execute("CREATE TABLE items AS SELECT * FROM (VALUES (1, 'apple', 1.5e0), (2, 'pear', 2.25e0), (3, 'plum', 0.75e0)) AS t(item_id, name, price)");
        runner.execute("CREATE TABLE big AS SELECT random() AS x, a * 1000 + b AS n FROM UNNEST(sequence(0, 399)) AS s(a) CROSS JOIN UNNEST(sequence(1, 1000)) AS t(b)");
        // A partitioned Parquet table without a definition file: Trino writes each partition, the test files them under region=...
        runner.execute("CREATE TABLE events_eu AS SELECT * FROM (VALUES (1, 'click'), (2, 'view')) AS t(event_id, kind)");
        runner.execute("CREATE TABLE events_us AS SELECT * FROM (VALUES (3, 'click'), (4, 'click'), (5, 'buy')) AS t(event_id, kind)");
        fileUnder("events_eu", "/sales/events/region=eu");
        fileUnder("events_us", "/sales/events/region=us");
    }

    @AfterAll
    void stop() {
        if (runner != null) {
            runner.close();
        }
        if (client != null) {
            client.close();
        }
        if (secure != null) {
            secure.close();
        }
        if (plain != null) {
            plain.close();
        }
    }

    @Test
    void showsSchemasTablesAndColumns() {
        assertThat(column("SHOW SCHEMAS FROM cachet")).contains("sales", "information_schema").doesNotContain("_cachet_staging");
        assertThat(column("SHOW TABLES FROM cachet.sales")).contains("big", "customers", "events", "items", "logs", "orders_csv");
        assertThat(rows("DESCRIBE orders_csv")).extracting(row -> row.subList(0, 2)).containsExactly(
                List.of("order_id", "bigint"), List.of("customer_id", "bigint"), List.of("amount", "double"), List.of("region", "varchar"));
        assertThat(rows("DESCRIBE events")).extracting(row -> row.subList(0, 2)).containsExactly(
                List.of("event_id", "integer"), List.of("kind", "varchar"), List.of("region", "varchar"));
        assertThat(rows("SELECT table_name, column_name, data_type FROM cachet.information_schema.columns WHERE table_schema = 'sales' AND table_name IN ('customers', 'items') ORDER BY table_name, ordinal_position"))
                .containsExactly(
                        List.of("customers", "id", "bigint"), List.of("customers", "name", "varchar"), List.of("customers", "country", "varchar"),
                        List.of("items", "item_id", "integer"), List.of("items", "name", "varchar(5)"), List.of("items", "price", "double"));
        assertThat(rows("DESCRIBE logs")).extracting(row -> row.subList(0, 2)).containsExactly(List.of("level", "varchar"), List.of("message", "varchar"));
    }

    @Test
    void filtersAggregatesAndJoinsOverCsvAndParquet() {
        assertThat(rows("SELECT name FROM customers WHERE country = 'UK' ORDER BY name")).containsExactly(List.of("Ada"), List.of("Alan"));
        assertThat(rows("SELECT region, count(*), sum(amount) FROM orders_csv GROUP BY region ORDER BY region")).containsExactly(
                List.of("apac", 1L, 7.75), List.of("eu", 3L, 35.75), List.of("us", 2L, 150.0));
        assertThat(rows("SELECT c.name, sum(o.amount) FROM orders_csv o JOIN customers c ON o.customer_id = c.id GROUP BY c.name ORDER BY c.name")).containsExactly(
                List.of("Ada", 10.5), List.of("Alan", 7.75), List.of("Grace", 150.0), List.of("Linus", 5.25), List.of("Marie", 20.0));
        assertThat(rows("SELECT i.name, o.region FROM items i JOIN orders_csv o ON o.order_id = i.item_id WHERE i.price > 1 ORDER BY i.name")).containsExactly(
                List.of("apple", "eu"), List.of("pear", "eu"));
        assertThat(rows("SELECT region, kind, count(*) FROM events GROUP BY region, kind ORDER BY region, kind")).containsExactly(
                List.of("eu", "click", 1L), List.of("eu", "view", 1L), List.of("us", "buy", 1L), List.of("us", "click", 2L));
        assertThat(rows("SELECT count(*), sum(n), min(n), max(n) FROM big")).as("every row once, whatever the byte-range splits").containsExactly(
                List.of(400_000L, 80_000_200_000L, 1L, 400_000L));
        assertThat(rows("SELECT count(*) FROM logs WHERE level = 'ERROR'")).containsExactly(List.of(16L));
    }

    @Test
    void partitionFilterReadsOnlyTheMatchingFolders() throws IOException {
        long euBytes = client.status("/sales/orders_csv/region=eu/part-0.csv").length();
        long allBytes = euBytes + client.status("/sales/orders_csv/region=us/part-0.csv").length() + client.status("/sales/orders_csv/region=apac/part-0.csv").length();
        assertThat(physicalInputBytes("SELECT sum(amount) FROM orders_csv WHERE region = 'eu'")).as("bytes read with region = 'eu'").isEqualTo(euBytes);
        assertThat(physicalInputBytes("SELECT sum(amount) FROM orders_csv")).isEqualTo(allBytes);

        // Parquet reads footers and column chunks, not whole files: the folders' reads add up only if each query read its own folder alone.
        long parquetEu = physicalInputBytes("SELECT count(*) FROM events WHERE region = 'eu' AND kind <> ''");
        long parquetUs = physicalInputBytes("SELECT count(*) FROM events WHERE region = 'us' AND kind <> ''");
        long parquetAll = physicalInputBytes("SELECT count(*) FROM events WHERE kind <> ''");
        assertThat(parquetEu).isPositive().isLessThan(parquetAll);
        assertThat(parquetUs).isPositive().isLessThan(parquetAll);
        assertThat(parquetEu + parquetUs).isEqualTo(parquetAll);
        assertThat(physicalInputPositions("SELECT count(*) FROM events WHERE region = 'eu' AND kind <> ''")).as("rows read from eu").isEqualTo(2);
    }

    @Test
    void parquetStatisticsSkipRowGroupsThatCannotMatch() {
        assertThat(rows("SELECT count(*) FROM big WHERE x < 0")).containsExactly(List.of(0L));
        assertThat(physicalInputPositions("SELECT count(*) FROM big WHERE x >= 0")).isEqualTo(400_000);
        // x is random() in [0, 1): no row group's statistics can match x < 0, so no row is read, only footers.
        assertThat(physicalInputPositions("SELECT count(*) FROM big WHERE x < 0")).isZero();
    }

    @Test
    void createTableAsInsertAndDropRoundTripThroughTrinoAndHadoop() throws Exception {
        runner.execute("CREATE TABLE round_trip AS SELECT id, CAST(label AS varchar) AS label FROM (VALUES (1, 'one'), (2, 'two')) AS t(id, label)");
        runner.execute("INSERT INTO round_trip VALUES (3, 'three'), (4, 'four')");
        assertThat(rows("SELECT id, label FROM round_trip ORDER BY id")).containsExactly(
                List.of(1, "one"), List.of(2, "two"), List.of(3, "three"), List.of(4, "four"));

        List<List<Object>> throughHadoop = HadoopParquetReads.rows(secureCatalog, "/sales/round_trip", List.of("id", "label"));
        assertThat(throughHadoop).containsExactlyInAnyOrder(List.of(1L, "one"), List.of(2L, "two"), List.of(3L, "three"), List.of(4L, "four"));

        runner.execute("DROP TABLE round_trip");
        assertThatThrownBy(() -> client.status("/sales/round_trip")).isInstanceOf(FileNotFoundException.class);
        assertThat(column("SHOW TABLES FROM cachet.sales")).doesNotContain("round_trip");
    }

    @Test
    void createAndDropSchema() throws IOException {
        runner.execute("CREATE SCHEMA cachet.scratch");
        assertThat(client.status("/scratch").directory()).isTrue();
        assertThat(column("SHOW SCHEMAS FROM cachet")).contains("scratch");
        runner.execute("CREATE TABLE cachet.scratch.t AS SELECT 1 AS x");
        // Trino asks the connector for the schema's tables first and refuses itself; the connector would refuse too.
        assertThatThrownBy(() -> runner.execute("DROP SCHEMA cachet.scratch"))
                .satisfies(failure -> assertThat(failure.getMessage()).containsAnyOf("Cannot drop non-empty schema", "Schema scratch still has tables [t]"));
        assertThatThrownBy(() -> runner.execute("CREATE SCHEMA cachet.scratch")).hasMessageContaining("already exists");
        runner.execute("DROP TABLE cachet.scratch.t");
        runner.execute("DROP SCHEMA cachet.scratch");
        assertThatThrownBy(() -> client.status("/scratch")).isInstanceOf(FileNotFoundException.class);
    }

    @Test
    void aFailedInsertLeavesNoFileBehind() throws IOException {
        runner.execute("CREATE TABLE guarded AS SELECT * FROM (VALUES (1, 'kept')) AS t(id, label)");
        List<String> before = treeFiles("/sales/guarded");
        assertThatThrownBy(() -> runner.execute("INSERT INTO guarded SELECT CAST(n / (n - 5000) AS integer), 'lost' FROM UNNEST(sequence(1, 9000)) AS t(n)"))
                .hasMessageContaining("Division by zero");
        assertThat(treeFiles("/sales/guarded")).isEqualTo(before);
        // Trino tells the connector a query is over (cleanupQuery) just after the client hears of the failure.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!treeFiles("/sales/_cachet_staging").isEmpty() && System.nanoTime() < deadline) {
            sleep(50);
        }
        assertThat(treeFiles("/sales/_cachet_staging")).as("nothing staged is left").isEmpty();
        assertThat(rows("SELECT id, label FROM guarded")).containsExactly(List.of(1, "kept"));
        runner.execute("DROP TABLE guarded");
    }

    @Test
    void twoCatalogsWithDifferentTlsSettingsWorkSideBySide() throws IOException {
        try (CachetClient plainClient = plain.newClient()) {
            write(plainClient, "/web/pages/part-0.csv", "url,hits\n/home,10\n/about,3\n");
        }
        assertThat(rows("SELECT (SELECT count(*) FROM cachet.sales.customers), (SELECT count(*) FROM plain.web.pages)")).containsExactly(List.of(5L, 2L));
    }

    @Test
    void aWrongTruststorePasswordFailsTheCatalogWithTheReason() {
        Map<String, String> broken = new HashMap<>(secureCatalog);
        broken.put("cachet.network.tls.truststore.password", "not-the-password");
        assertThatThrownBy(() -> runner.createCatalog("broken", "cachet", broken))
                .satisfies(failure -> assertThat(stackMessages(failure))
                        .contains("Catalog broken: Cannot open trust store", "the password is wrong", "cachet.network.tls.truststore.password")
                        .doesNotContain("not-the-password"));
    }

    @Test
    void theExampleCatalogFilesWorkAsWritten() throws IOException {
        // Only where the stores are and where the cluster is differ from examples/trino; the passwords come through ${ENV:...} as written.
        Map<String, String> mutual = example("cachet-mtls.properties");
        assertThat(mutual.get("cachet.network.tls.keystore.password")).isEqualTo("${ENV:CACHET_KEYSTORE_PASSWORD}");
        runner.createCatalog("example_mtls", "cachet", mutual);
        assertThat(rows("SELECT count(*) FROM example_mtls.sales.customers")).containsExactly(List.of(5L));

        Map<String, String> tls = example("cachet.properties");
        runner.createCatalog("example_tls", "cachet", tls);
        assertThat(column("SHOW CATALOGS")).contains("example_tls");
    }

    private Map<String, String> example(String name) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of("..", "examples", "trino", name))) {
            properties.load(reader);
        }
        Map<String, String> catalog = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> catalog.put(key, properties.getProperty(key)));
        assertThat(catalog.remove("connector.name")).isEqualTo("cachet");
        catalog.put("cachet.coordinator.address", secureCatalog.get("cachet.coordinator.address"));
        catalog.put("cachet.network.tls.truststore.path", secureCatalog.get("cachet.network.tls.truststore.path"));
        if (catalog.containsKey("cachet.network.tls.keystore.path")) {
            catalog.put("cachet.network.tls.keystore.path", secureCatalog.get("cachet.network.tls.keystore.path"));
        }
        return catalog;
    }

    @Test
    void anUnknownCachetPropertyFailsTheCatalogWithASuggestion() {
        Map<String, String> typo = new HashMap<>(secureCatalog);
        typo.put("cachet.network.tls.trustore.path", "/tmp/x");
        assertThatThrownBy(() -> runner.createCatalog("typo", "cachet", typo))
                .satisfies(failure -> assertThat(stackMessages(failure)).contains("unknown property 'cachet.network.tls.trustore.path'",
                        "Did you mean 'cachet.network.tls.truststore.path'"));
        Map<String, String> unused = new HashMap<>(secureCatalog);
        unused.put("cachet.trino.max-split", "1MB");
        assertThatThrownBy(() -> runner.createCatalog("unused", "cachet", unused))
                .satisfies(failure -> assertThat(stackMessages(failure)).contains("Configuration property 'cachet.trino.max-split' was not used"));
    }

    @Test
    void splitsNameTheWorkerThatOwnsTheFile() throws Exception {
        Connector connector = new CachetConnectorFactory().create("splits", secureCatalog, new TestingConnectorContext());
        try {
            Set<String> hosts = new HashSet<>();
            for (String table : List.of("logs", "orders_csv", "big")) {
                ConnectorTableHandle handle = connector.getMetadata(SESSION, CachetTransactionHandle.INSTANCE)
                        .getTableHandle(SESSION, new SchemaTableName("sales", table), Optional.empty(), Optional.empty());
                List<ConnectorSplit> splits = connector.getSplitManager()
                        .getSplits(CachetTransactionHandle.INSTANCE, SESSION, handle, Set.of(), Constraint.alwaysTrue())
                        .getNextBatch(10_000, DynamicFilterSnapshot.EMPTY).get();
                assertThat(splits).isNotEmpty();
                Map<String, Long> rangesPerFile = new HashMap<>();
                for (ConnectorSplit split : splits) {
                    CachetSplit cachetSplit = (CachetSplit) split;
                    String owner = client.owner(cachetSplit.path()).host();
                    assertThat(cachetSplit.getAddresses()).as(cachetSplit.path()).containsExactly(HostAddress.fromString(owner));
                    hosts.add(owner);
                    rangesPerFile.merge(cachetSplit.path(), 1L, Long::sum);
                }
                if (table.equals("big")) {
                    for (Map.Entry<String, Long> file : rangesPerFile.entrySet()) {
                        long length = client.status(file.getKey()).length();
                        assertThat(file.getValue()).as("256kB ranges of " + file.getKey()).isEqualTo(Math.max(1, (length + (256 << 10) - 1) / (256 << 10)));
                    }
                    assertThat(rangesPerFile.values()).as("big files are read in several splits").anyMatch(count -> count > 1);
                }
            }
            assertThat(hosts).as("files land on both workers").containsExactlyInAnyOrderElementsOf(WORKER_HOSTS);
        }
        finally {
            connector.shutdown();
        }
    }

    private void writeCsvTables() throws IOException {
        write(client, "/sales/customers/_table.properties", "format=csv\ncolumns=id bigint, name varchar, country varchar\n");
        write(client, "/sales/customers/part-0.csv", "id,name,country\n1,Ada,UK\n2,Grace,US\n3,Linus,FI\n4,Marie,FR\n5,Alan,UK\n");
        write(client, "/sales/orders_csv/_table.properties", "format=csv\ncolumns=order_id bigint, customer_id bigint, amount double\npartitioned_by=region\n");
        write(client, "/sales/orders_csv/region=eu/part-0.csv", "order_id,customer_id,amount\n1,1,10.5\n2,4,20.0\n3,3,5.25\n");
        write(client, "/sales/orders_csv/region=us/part-0.csv", "order_id,customer_id,amount\n4,2,100.0\n5,2,50.0\n");
        write(client, "/sales/orders_csv/region=apac/part-0.csv", "order_id,customer_id,amount\n6,5,7.75\n");
        // No definition: columns from the header, all varchar; sixteen files spread over both workers.
        for (int i = 0; i < 16; i++) {
            write(client, "/sales/logs/part-" + i + ".csv", "level,message\nINFO,\"started, part %d\"\nERROR,failed %d\n".formatted(i, i));
        }
    }

    private void fileUnder(String table, String partitionFolder) throws IOException {
        client.mkdirs(partitionFolder);
        for (FileStatus file : client.list("/sales/" + table)) {
            if (file.path().endsWith(".parquet")) {
                assertThat(client.rename(file.path(), partitionFolder + file.path().substring(file.path().lastIndexOf('/')))).isTrue();
            }
        }
        client.delete("/sales/" + table, true);
    }

    private static void write(CachetClient client, String path, String content) throws IOException {
        try (OutputStream out = client.create(path, true, true)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
    }

    private List<String> treeFiles(String path) throws IOException {
        List<String> files = new ArrayList<>();
        List<FileStatus> entries;
        try {
            entries = client.list(path);
        }
        catch (FileNotFoundException e) {
            return files;
        }
        for (FileStatus entry : entries) {
            if (entry.directory()) {
                files.addAll(treeFiles(entry.path()));
            }
            else {
                files.add(entry.path());
            }
        }
        return files.stream().sorted().toList();
    }

    private long physicalInputBytes(String sql) {
        return stats(sql).getPhysicalInputDataSize().toBytes();
    }

    private long physicalInputPositions(String sql) {
        return stats(sql).getPhysicalInputPositions();
    }

    private QueryStats stats(String sql) {
        Session session = runner.getDefaultSession();
        QueryRunner.MaterializedResultWithPlan result = runner.executeWithPlan(session, sql);
        QueryId id = result.queryId();
        return runner.getCoordinator().getQueryManager().getFullQueryInfo(id).getQueryStats();
    }

    @Test
    void cachetFailuresCarryTheConnectorsErrorCodesAndMessages() throws Exception {
        // A catalog whose trust store holds another CA: the secure cluster's certificate is not trusted.
        Path otherCa = Files.createDirectories(directory.resolve("other-ca"));
        Map<String, String> untrusting = new HashMap<>(TestPki.create(otherCa, "Other CA").trustSettings());
        untrusting.put("cachet.coordinator.address", "localhost:" + secure.coordinatorPort());
        runner.createCatalog("untrusting", "cachet", untrusting);
        assertThatThrownBy(() -> runner.execute("SHOW SCHEMAS FROM untrusting"))
                .hasMessageContaining("Catalog untrusting cannot reach its Cachet cluster: TLS")
                .satisfies(failure -> assertThat(errorCode(failure)).isEqualTo(CachetErrorCode.CACHET_TLS_ERROR.toErrorCode()));

        Map<String, String> misconfigured = new HashMap<>(secureCatalog);
        misconfigured.put("cachet.network.tls.truststore.path", directory.resolve("no-such-truststore.p12").toString());
        // TLS material that does not load is the user's to fix, and is caught when the catalog is created.
        assertThatThrownBy(() -> runner.createCatalog("misconfigured", "cachet", misconfigured))
                .isInstanceOfSatisfying(TrinoException.class, failure -> assertThat(failure.getErrorCode()).isEqualTo(CachetErrorCode.CACHET_CONFIGURATION_ERROR.toErrorCode()))
                .hasMessageContaining("no-such-truststore.p12: the file does not exist. Fix: check cachet.network.tls.truststore.path");

        try (OutputStream out = client.create("/sales/broken/part-0.parquet", true, true)) {
            out.write("this is not a Parquet file, whatever its name says".getBytes(StandardCharsets.UTF_8));
        }
        try {
            assertThatThrownBy(() -> runner.execute("SELECT * FROM cachet.sales.broken"))
                    .hasMessageContaining("/sales/broken/part-0.parquet")
                    .satisfies(failure -> assertThat(errorCode(failure)).isEqualTo(CachetErrorCode.CACHET_BAD_DATA.toErrorCode()));
        }
        finally {
            // Other tests list every table of the schema.
            client.delete("/sales/broken", true);
        }

        int closedPort = MiniCluster.freePort();
        runner.createCatalog("unreachable", "cachet", Map.of("cachet.coordinator.address", "localhost:" + closedPort));
        assertThatThrownBy(() -> runner.execute("SHOW SCHEMAS FROM unreachable"))
                .hasMessageContaining("Catalog unreachable cannot reach its Cachet cluster")
                .satisfies(failure -> assertThat(errorCode(failure)).isEqualTo(CachetErrorCode.CACHET_UNAVAILABLE.toErrorCode()));
    }

    /** The error code Trino's coordinator recorded for a failed query. */
    private ErrorCode errorCode(Throwable failure) {
        assertThat(failure).isInstanceOf(QueryFailedException.class);
        // The dispatch manager knows every query, also those that failed before they were dispatched.
        return runner.getCoordinator().getDispatchManager().getQueryInfo(((QueryFailedException) failure).getQueryId()).getErrorCode();
    }

    private List<List<Object>> rows(String sql) {
        return runner.execute(sql).getMaterializedRows().stream().map(MaterializedRow::getFields).toList();
    }

    private List<Object> column(String sql) {
        return rows(sql).stream().map(row -> row.get(0)).toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String stackMessages(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.append(cause.getMessage()).append('\n');
        }
        return messages.toString();
    }
}
