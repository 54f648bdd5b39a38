package io.cachet.trino.lakehouse;

import io.cachet.client.CachetClient;
import io.cachet.client.FileStatus;
import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import io.trino.plugin.hive.HivePlugin;
import io.trino.plugin.iceberg.IcebergPlugin;
import io.trino.testing.DistributedQueryRunner;
import io.trino.testing.MaterializedRow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.trino.testing.TestingSession.testSessionBuilder;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trino's own Hive and Iceberg connectors with their tables (and file metastores) in a TLS Cachet
 * cluster, set up as examples/trino/hive-iceberg/ tells users: the example catalog files and
 * core-site.xml as written, with only their /etc paths and the coordinator address pointed at this
 * test's cluster and files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HiveAndIcebergOverCachetTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("cachet.repository.root"), "examples", "trino", "hive-iceberg");

    private MiniCluster cluster;
    private CachetClient client;
    private DistributedQueryRunner runner;

    @BeforeAll
    void start(@TempDir Path directory) throws Exception {
        TestPki pki = TestPki.create(directory, "Lakehouse CA");
        cluster = MiniCluster.builder(directory.resolve("cluster")).workers(2).properties(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS))).start();
        Map<String, String> trust = new HashMap<>(pki.trustSettings());
        trust.put("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());
        client = CachetClient.connect(TestPki.config(trust));

        // The files an operator would place: the trust store and its password under /etc/cachet/tls, core-site.xml under /etc/trino.
        Path tls = Files.createDirectories(directory.resolve("etc-cachet-tls"));
        Files.copy(pki.trustStore(), tls.resolve("truststore.p12"));
        Files.writeString(tls.resolve("truststore.password"), TestPki.PASSWORD + "\n");
        Path coreSite = directory.resolve("cachet-core-site.xml");
        Files.writeString(coreSite, Files.readString(EXAMPLES.resolve("core-site.xml")).replace("/etc/cachet/tls/", tls + "/"));

        runner = DistributedQueryRunner.builder(testSessionBuilder().setCatalog("hive").setSchema("sales").build()).setWorkerCount(0).build();
        runner.installPlugin(new HivePlugin());
        runner.installPlugin(new IcebergPlugin());
        runner.createCatalog("hive", "hive", catalog("hive.properties", coreSite));
        runner.createCatalog("iceberg", "iceberg", catalog("iceberg.properties", coreSite));
    }

    @AfterAll
    void stop() {
        if (runner != null) {
            runner.close();
        }
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void hiveTablesLiveInCachet() throws IOException {
        runner.execute("CREATE SCHEMA hive.sales");
        runner.execute("CREATE TABLE hive.sales.items AS SELECT * FROM (VALUES (1, 'apple', 1.5e0), (2, 'pear', 2.25e0)) AS t(item_id, name, price)");
        runner.execute("INSERT INTO hive.sales.items VALUES (3, 'plum', 0.75e0)");
        assertThat(rows("SELECT item_id, name, price FROM hive.sales.items ORDER BY item_id"))
                .containsExactly(List.of(1, "apple", 1.5), List.of(2, "pear", 2.25), List.of(3, "plum", 0.75));

        runner.execute("CREATE TABLE hive.sales.orders (order_id bigint, amount double, region varchar) WITH (format = 'PARQUET', partitioned_by = ARRAY['region'])");
        runner.execute("INSERT INTO hive.sales.orders VALUES (1, 10.0, 'eu'), (2, 20.5, 'us'), (3, 5.0, 'eu')");
        runner.execute("INSERT INTO hive.sales.orders VALUES (4, 1.0, 'us')");
        assertThat(rows("SELECT region, count(*), sum(amount) FROM hive.sales.orders GROUP BY region ORDER BY region"))
                .containsExactly(List.of("eu", 2L, 15.0), List.of("us", 2L, 21.5));
        assertThat(rows("SELECT order_id FROM hive.sales.orders WHERE region = 'us' ORDER BY order_id")).containsExactly(List.of(2L), List.of(4L));

        // The data files are in Cachet, one folder per partition.
        assertThat(dataFiles("/warehouse/sales/orders/region=eu")).isNotEmpty();
        assertThat(dataFiles("/warehouse/sales/orders/region=us")).isNotEmpty();
        assertThat(dataFiles("/warehouse/sales/items")).isNotEmpty();
    }

    @Test
    void icebergTablesLiveInCachet() throws IOException {
        runner.execute("CREATE SCHEMA iceberg.lake");
        runner.execute("CREATE TABLE iceberg.lake.events (event_id bigint, kind varchar, day date) WITH (partitioning = ARRAY['day'])");
        runner.execute("INSERT INTO iceberg.lake.events VALUES (1, 'click', DATE '2026-11-30'), (2, 'view', DATE '2026-12-01'), (3, 'click', DATE '2026-12-01')");
        runner.execute("INSERT INTO iceberg.lake.events VALUES (4, 'buy', DATE '2026-12-01')");
        assertThat(rows("SELECT CAST(day AS varchar), count(*) FROM iceberg.lake.events GROUP BY day ORDER BY day"))
                .containsExactly(List.of("2026-11-30", 1L), List.of("2026-12-01", 3L));
        // One snapshot for the empty table CREATE TABLE makes, one per INSERT.
        assertThat(rows("SELECT count(*) FROM iceberg.lake.\"events$snapshots\"")).containsExactly(List.of(3L));

        runner.execute("CREATE TABLE iceberg.lake.kinds AS SELECT kind, count(*) AS n FROM iceberg.lake.events GROUP BY kind");
        assertThat(rows("SELECT kind, n FROM iceberg.lake.kinds ORDER BY kind"))
                .containsExactly(List.of("buy", 1L), List.of("click", 2L), List.of("view", 1L));

        // Iceberg's data and metadata files are in Cachet, where Iceberg says they are.
        String root = "cachet://localhost:" + cluster.coordinatorPort();
        List<String> dataFiles = rows("SELECT DISTINCT \"$path\" FROM iceberg.lake.events").stream().map(row -> (String) row.get(0)).toList();
        List<String> metadataFiles = rows("SELECT file FROM iceberg.lake.\"events$metadata_log_entries\"").stream().map(row -> (String) row.get(0)).toList();
        assertThat(dataFiles).hasSize(3);
        assertThat(metadataFiles).isNotEmpty().allMatch(path -> path.endsWith(".metadata.json"));
        for (String file : concat(dataFiles, metadataFiles)) {
            assertThat(file).startsWith(root + "/iceberg/lake/events");
            assertThat(client.status(file.substring(root.length())).length()).as(file).isPositive();
        }
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /** An example catalog file as written, its core-site.xml path and coordinator address pointed at this test's. */
    private Map<String, String> catalog(String exampleFile, Path coreSite) throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(Files.readString(EXAMPLES.resolve(exampleFile))
                .replace("/etc/trino/cachet-core-site.xml", coreSite.toString())
                .replace("cachet-coordinator.example.com:19998", "localhost:" + cluster.coordinatorPort())));
        Map<String, String> catalog = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> catalog.put(name, properties.getProperty(name)));
        catalog.remove("connector.name");
        return catalog;
    }

    /** Every file at or under {@code folder} in Cachet. */
    private List<String> dataFiles(String folder) throws IOException {
        List<String> files = new ArrayList<>();
        for (FileStatus status : client.list(folder)) {
            if (status.directory()) {
                files.addAll(dataFiles(status.path()));
            }
            else {
                files.add(status.path());
            }
        }
        return files;
    }

    private List<List<Object>> rows(String sql) {
        return runner.execute(sql).getMaterializedRows().stream().map(MaterializedRow::getFields).toList();
    }
}
