package io.cachet.spark;

import com.codahale.metrics.Gauge;
import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import org.apache.spark.SparkEnv;
import org.apache.spark.metrics.source.Source;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Spark in local[2] mode reading and writing cachet:// over TLS, configured by spark.hadoop.cachet.*, with the plugin on. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalSparkTest {
    private MiniCluster cluster;
    private SparkSession spark;
    private String root;

    @BeforeAll
    void start(@TempDir Path directory) throws IOException {
        TestPki pki = TestPki.create(directory, "Spark Local CA");
        cluster = SparkTestClusters.start(directory, pki, TestPki.LOOPBACK_HOSTS);
        root = "cachet://localhost:" + cluster.coordinatorPort();
        SparkSession.Builder builder = SparkSession.builder()
                .master("local[2]")
                .appName("cachet-local")
                .config("spark.ui.enabled", "false")
                .config("spark.plugins", CachetSparkPlugin.class.getName())
                .config("spark.hadoop.cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());
        for (Map.Entry<String, String> setting : pki.trustSettings().entrySet()) {
            builder.config("spark.hadoop." + setting.getKey(), setting.getValue());
        }
        spark = builder.getOrCreate();
    }

    @AfterAll
    void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void parquetRoundTrip() {
        Dataset<Row> people = spark.createDataFrame(IntStream.range(0, 1000).mapToObj(i -> new Person(i, "name-" + i, i % 7)).toList(), Person.class);
        people.write().mode("overwrite").parquet(root + "/spark/people.parquet");

        Dataset<Row> read = spark.read().parquet(root + "/spark/people.parquet");
        assertThat(read.count()).isEqualTo(1000);
        assertThat(read.filter("bucket = 3").count()).isEqualTo(IntStream.range(0, 1000).filter(i -> i % 7 == 3).count());
        assertThat(read.filter("id = 421").select("name").as(Encoders.STRING()).collectAsList()).containsExactly("name-421");
        assertThat(Files.exists(cluster.ufsRoot().resolve("spark/people.parquet/_SUCCESS"))).isTrue();
    }

    @Test
    void csvRoundTrip() {
        Dataset<Row> rows = spark.createDataFrame(IntStream.range(0, 200).mapToObj(i -> new Person(i, "csv-" + i, i % 3)).toList(), Person.class);
        rows.write().mode("overwrite").option("header", "true").csv(root + "/spark/people.csv");

        Dataset<Row> read = spark.read().option("header", "true").option("inferSchema", "true").csv(root + "/spark/people.csv");
        assertThat(read.count()).isEqualTo(200);
        assertThat(read.filter("bucket = 0").count()).isEqualTo(67);
        assertThat(read.filter("id = 199").select("name").as(Encoders.STRING()).collectAsList()).containsExactly("csv-199");
    }

    @Test
    void textRoundTrip() {
        List<String> lines = IntStream.range(0, 500).mapToObj(i -> "line " + i).toList();
        spark.createDataset(lines, Encoders.STRING()).repartition(4).write().mode("overwrite").text(root + "/spark/lines.txt");

        List<String> read = spark.read().text(root + "/spark/lines.txt").as(Encoders.STRING()).collectAsList();
        assertThat(read).hasSize(500).containsExactlyInAnyOrderElementsOf(lines);
    }

    @Test
    void sparkMetricsShowCachetBytesAndHandshakes() {
        spark.createDataset(List.of("a", "b", "c"), Encoders.STRING()).write().mode("overwrite").text(root + "/spark/metrics.txt");
        assertThat(spark.read().text(root + "/spark/metrics.txt").count()).isEqualTo(3);

        scala.collection.Seq<Source> sources = SparkEnv.get().metricsSystem().getSourcesByName("plugin." + CachetSparkPlugin.class.getName());
        assertThat(sources.isEmpty()).as("the plugin's metrics source is registered").isFalse();
        Map<String, Gauge> gauges = sources.head().metricRegistry().getGauges();
        assertThat(gauges.keySet()).containsAll(CachetMetrics.NAMES);
        assertThat((Long) gauges.get("bytes_written").getValue()).isPositive();
        assertThat((Long) gauges.get("bytes_read").getValue()).isPositive();
        assertThat((Long) gauges.get("tls_handshakes").getValue()).isPositive();
        assertThat((Long) gauges.get("operations").getValue()).isPositive();
    }

    public static final class Person implements Serializable {
        private int id;
        private String name;
        private int bucket;

        public Person() {}

        Person(int id, String name, int bucket) {
            this.id = id;
            this.name = name;
            this.bucket = bucket;
        }

        public int getId() {
            return id;
        }

        public void setId(int id) {
            this.id = id;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public int getBucket() {
            return bucket;
        }

        public void setBucket(int bucket) {
            this.bucket = bucket;
        }
    }
}
