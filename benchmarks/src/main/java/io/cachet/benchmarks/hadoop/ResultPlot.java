package io.cachet.benchmarks.hadoop;

import io.cachet.benchmarks.hadoop.HadoopApiBenchmark.Target;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.data.category.DefaultCategoryDataset;

import javax.imageio.ImageIO;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The benchmark's plot: one PNG, a panel per kind of measure, a bar per target, and the goals' ratios. */
final class ResultPlot {
    private static final int PANEL_WIDTH = 900;
    private static final int PANEL_HEIGHT = 520;

    private ResultPlot() {}

    static void write(ResultReport report, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<JFreeChart> panels = List.of(
                bars(report, "Sequential throughput", "MB/s", List.of("write_mbps", "cold_mbps", "warm_mbps"), List.of("write", "cold read", "warm read")),
                bars(report, "Warm read with concurrent readers", "MB/s", List.of("readers_1_mbps", "readers_4_mbps", "readers_16_mbps"),
                        List.of("1 reader", "4 readers", "16 readers")),
                bars(report, "4 KiB positioned read latency (lower is better)", "µs", List.of("pread_p50_us", "pread_p99_us"), List.of("p50", "p99")),
                bars(report, "Metadata and small files", "operations/s", List.of("status_ops", "small_write_files_per_s", "small_read_files_per_s"),
                        List.of("getFileStatus (16 threads)", "64 KiB files written", "64 KiB files read")),
                goals(report));
        int columns = 2;
        int rows = (panels.size() + columns - 1) / columns;
        BufferedImage image = new BufferedImage(columns * PANEL_WIDTH, rows * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = image.createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        graphics.setColor(Color.WHITE);
        graphics.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < panels.size(); i++) {
            panels.get(i).draw(graphics, new Rectangle2D.Double((i % columns) * PANEL_WIDTH, (i / columns) * PANEL_HEIGHT, PANEL_WIDTH, PANEL_HEIGHT));
        }
        graphics.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static JFreeChart bars(ResultReport report, String title, String unit, List<String> keys, List<String> labels) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Target target : report.results().keySet()) {
            for (int i = 0; i < keys.size(); i++) {
                double value = report.value(target, keys.get(i));
                if (!Double.isNaN(value)) {
                    data.addValue(value, target.label(), labels.get(i));
                }
            }
        }
        return ChartFactory.createBarChart(title, null, unit, data, PlotOrientation.VERTICAL, true, false, false);
    }

    private static JFreeChart goals(ResultReport report) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        List<Double> ratios = report.ratios();
        for (int i = 0; i < ResultReport.RATIOS.size(); i++) {
            ResultReport.Ratio ratio = ResultReport.RATIOS.get(i);
            double measured = ratios.get(i);
            if (!Double.isNaN(measured)) {
                // Measured over goal: at or above 1 is met; a latency goal is met below its ceiling, so it is turned over.
                data.addValue(ratio.atMost() ? ratio.goal() / measured : measured / ratio.goal(), "measured / goal", "G" + (i + 1));
            }
        }
        if (!Double.isNaN(ratios.get(ratios.size() - 1))) {
            data.addValue(ratios.get(ratios.size() - 1) / ResultReport.OPENSSL_GOAL, "measured / goal", "G" + ratios.size());
        }
        JFreeChart chart = ChartFactory.createBarChart("Goals met at 1.0 and above (G1…G%d as in the table's ratio rows)".formatted(ratios.size()), null,
                "measured / goal", data, PlotOrientation.VERTICAL, false, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        ValueMarker met = new ValueMarker(1.0, Color.RED, new BasicStroke(2f));
        plot.addRangeMarker(met);
        return chart;
    }
}
