package io.cachet.spark.examples;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.Iterator;
import java.util.List;

/**
 * Writes a CSV file to Cachet, reads it back, writes it as a Parquet table, reads that back, and
 * reports which JVMs did the work.
 * Usage: spark-submit --class io.cachet.spark.examples.CachetExampleJob cachet-spark.jar cachet://host:port [/path]
 */
public final class CachetExampleJob {
    private CachetExampleJob() {}

    public static void main(String[] args) throws Exception {
        String root = args[0];
        String folder = root + (args.length > 1 ? args[1] : "/examples/spark-job");
        try (SparkSession spark = SparkSession.builder().appName("cachet-example").getOrCreate()) {
            System.out.println("driver pid: " + ProcessHandle.current().pid());
            spark.range(0, 10_000, 1, 8).selectExpr("id", "id % 10 AS bucket", "concat('row-', id) AS name")
                    .write().mode("overwrite").option("header", "true").csv(folder + "/input.csv");

            Dataset<Row> csv = spark.read().option("header", "true").schema("id BIGINT, bucket INT, name STRING").csv(folder + "/input.csv");
            System.out.println("csv rows: " + csv.count());
            csv.write().mode("overwrite").parquet(folder + "/table.parquet");

            Dataset<Row> read = spark.read().parquet(folder + "/table.parquet");
            System.out.println("rows: " + read.count());
            System.out.println("bucket 3 rows: " + read.filter("bucket = 3").count());
            System.out.println("sum of ids: " + read.selectExpr("sum(id)").first().getLong(0));

            List<String> executors = read.repartition(8).mapPartitions((MapPartitionsFunction<Row, String>) CachetExampleJob::whoAmI, Encoders.STRING())
                    .distinct().collectAsList();
            System.out.println("executor jvms: " + executors.stream().sorted().toList());
        }
    }

    private static Iterator<String> whoAmI(Iterator<Row> rows) {
        rows.forEachRemaining(row -> { });
        String netty = System.getProperty("io.netty.handler.ssl.defaultEndpointVerificationAlgorithm", "unset");
        return List.of("pid=" + ProcessHandle.current().pid() + " nettyDefaultEndpointVerification=" + netty).iterator();
    }
}
