package org.gsamflink.cli.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A PNG of training curves against the step counter, drawn with JFreeChart: prequential accuracy, loss and the
 * surrogate gap, stacked on one step axis, one line per run (e.g. one per optimizer).
 *
 * <pre>{@code
 * TrainingChart.builder().title("GSAM on Fashion-MNIST").run("gsam", history.points()).build()
 *         .writePng(Path.of("training.png"));
 * }</pre>
 */
public final class TrainingChart {

    /** A panel of the chart: its axis label and the field it plots. */
    private record Panel(String label, ToDoubleFunction<MetricPoint> value) {}

    private static final List<Panel> PANELS = List.of(
            new Panel("prequential accuracy", MetricPoint::accuracy),
            new Panel("loss", MetricPoint::loss),
            new Panel("surrogate gap", MetricPoint::surrogateGap));

    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    private final String title;
    private final Map<String, List<MetricPoint>> runs;
    private final int width;
    private final int height;

    private TrainingChart(Builder b) {
        this.title = b.title;
        this.runs = new LinkedHashMap<>(b.runs);
        this.width = b.width;
        this.height = b.height;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Renders the chart and writes it to {@code png} (parent folders are created). */
    public void writePng(Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("step"));
        plot.setGap(12);
        for (Panel panel : PANELS) {
            XYSeriesCollection data = new XYSeriesCollection();
            for (Map.Entry<String, List<MetricPoint>> run : runs.entrySet()) {
                XYSeries s = new XYSeries(run.getKey(), false, true);
                for (MetricPoint p : run.getValue()) {
                    double v = panel.value().applyAsDouble(p);
                    if (Double.isFinite(v)) {
                        s.add(p.step(), v);
                    }
                }
                data.addSeries(s);
            }
            NumberAxis axis = new NumberAxis(panel.label());
            axis.setAutoRangeIncludesZero(false);
            XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
            for (int i = 0; i < runs.size(); i++) {
                renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
                renderer.setSeriesStroke(i, new BasicStroke(1.5f));
            }
            XYPlot sub = new XYPlot(data, null, axis, renderer);
            sub.setBackgroundPaint(Color.WHITE);
            sub.setDomainGridlinePaint(Color.LIGHT_GRAY);
            sub.setRangeGridlinePaint(Color.LIGHT_GRAY);
            plot.add(sub, 1);
        }
        // The combined plot's legend would list every run once per panel: show the first panel's only.
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        if (runs.size() > 1) {
            LegendTitle legend = new LegendTitle(plot.getSubplots().get(0));
            legend.setPosition(RectangleEdge.BOTTOM);
            chart.addSubtitle(legend);
        }
        chart.setBackgroundPaint(Color.WHITE);
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ChartUtils.saveChartAsPNG(png.toFile(), chart, width, height);
    }

    public static final class Builder {
        private String title = "training";
        private final Map<String, List<MetricPoint>> runs = new LinkedHashMap<>();
        private int width = 1000;
        private int height = 900;

        private Builder() {}

        public Builder title(String title) {
            this.title = Objects.requireNonNull(title, "title");
            return this;
        }

        /** One line per panel for this run; names must be unique. */
        public Builder run(String name, List<MetricPoint> points) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(points, "points");
            if (runs.containsKey(name)) {
                throw new IllegalArgumentException("run '" + name + "' was already added");
            }
            runs.put(name, List.copyOf(points));
            return this;
        }

        /** Image size in pixels (default 1000 × 900). */
        public Builder size(int width, int height) {
            if (width < 200 || height < 200 || width > 10_000 || height > 10_000) {
                throw new IllegalArgumentException("size must be 200..10000 pixels each way, got " + width + "x"
                        + height);
            }
            this.width = width;
            this.height = height;
            return this;
        }

        public TrainingChart build() {
            if (runs.isEmpty()) {
                throw new IllegalStateException("add at least one run");
            }
            return new TrainingChart(this);
        }
    }
}
