package org.gsamflink.cli.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A PNG of training curves against the step counter, drawn with JFreeChart: by default prequential accuracy, loss
 * and the surrogate gap ({@link Builder#curves} chooses others), stacked on one step axis, one line per run (e.g. one
 * per optimizer); optionally vertical lines at given steps ({@link Builder#marker}, e.g. a stream's true drift
 * points) and dots on a run's first curve at its events ({@link Builder#events}, e.g. the job's drift alarms).
 *
 * <pre>{@code
 * TrainingChart.builder().title("GSAM on Fashion-MNIST").run("gsam", history.points()).build()
 *         .writePng(Path.of("training.png"));
 * }</pre>
 */
public final class TrainingChart {

    /** A panel of the chart: its axis label and the field of the metrics records it plots. */
    public enum Curve {
        PREQUENTIAL_ACCURACY("prequential accuracy", MetricPoint::accuracy),
        FADING_ACCURACY("fading prequential accuracy", MetricPoint::fadingAccuracy),
        KAPPA("kappa (faded)", MetricPoint::kappa),
        LOSS("loss", MetricPoint::loss),
        SURROGATE_GAP("surrogate gap", MetricPoint::surrogateGap);

        private final String label;
        private final ToDoubleFunction<MetricPoint> value;

        Curve(String label, ToDoubleFunction<MetricPoint> value) {
            this.label = label;
            this.value = value;
        }
    }

    /** A vertical line across every panel at {@code step}, labelled in the first. */
    private record Marker(double step, String label) {}

    private static final List<Curve> DEFAULT_CURVES = List.of(Curve.PREQUENTIAL_ACCURACY, Curve.LOSS,
            Curve.SURROGATE_GAP);

    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    private final String title;
    private final Map<String, List<MetricPoint>> runs;
    private final List<Curve> curves;
    private final List<Marker> markers;
    private final Map<String, List<Long>> events;
    private final int width;
    private final int height;

    private TrainingChart(Builder b) {
        this.title = b.title;
        this.runs = new LinkedHashMap<>(b.runs);
        this.curves = List.copyOf(b.curves);
        this.markers = List.copyOf(b.markers);
        this.events = new LinkedHashMap<>(b.events);
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
        for (Curve curve : curves) {
            XYSeriesCollection data = new XYSeriesCollection();
            for (Map.Entry<String, List<MetricPoint>> run : runs.entrySet()) {
                XYSeries s = new XYSeries(run.getKey(), false, true);
                for (MetricPoint p : run.getValue()) {
                    double v = curve.value.applyAsDouble(p);
                    if (Double.isFinite(v)) {
                        s.add(p.step(), v);
                    }
                }
                data.addSeries(s);
            }
            NumberAxis axis = new NumberAxis(curve.label);
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
            boolean first = plot.getSubplots().isEmpty();
            for (Marker m : markers) {
                ValueMarker line = new ValueMarker(m.step(), Color.DARK_GRAY, new BasicStroke(1f,
                        BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
                if (first) {
                    line.setLabel(m.label());
                    line.setLabelFont(line.getLabelFont().deriveFont(10f));
                }
                sub.addDomainMarker(line);
            }
            if (first && !events.isEmpty()) {
                sub.setDataset(1, eventDots(curve));
                XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
                for (int i = 0; i < events.size(); i++) {
                    dots.setSeriesPaint(i, COLORS[runIndex(i) % COLORS.length]);
                    dots.setSeriesShape(i, new Ellipse2D.Double(-4, -4, 8, 8));
                    dots.setSeriesVisibleInLegend(i, false);
                }
                sub.setRenderer(1, dots);
            }
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

    /** One series per run with events: a dot on the run's curve at the record nearest each event's step. */
    private XYSeriesCollection eventDots(Curve curve) {
        XYSeriesCollection dots = new XYSeriesCollection();
        for (Map.Entry<String, List<Long>> e : events.entrySet()) {
            XYSeries s = new XYSeries(e.getKey() + " events", false, true);
            List<MetricPoint> points = runs.get(e.getKey());
            for (long step : e.getValue()) {
                MetricPoint nearest = null;
                for (MetricPoint p : points) {
                    if (nearest == null || Math.abs(p.step() - step) < Math.abs(nearest.step() - step)) {
                        nearest = p;
                    }
                }
                if (nearest != null && Double.isFinite(curve.value.applyAsDouble(nearest))) {
                    s.add(step, curve.value.applyAsDouble(nearest));
                }
            }
            dots.addSeries(s);
        }
        return dots;
    }

    /** The position among the runs of the {@code i}-th run with events, for its colour. */
    private int runIndex(int i) {
        String name = new ArrayList<>(events.keySet()).get(i);
        return new ArrayList<>(runs.keySet()).indexOf(name);
    }

    public static final class Builder {
        private String title = "training";
        private final Map<String, List<MetricPoint>> runs = new LinkedHashMap<>();
        private final List<Curve> curves = new ArrayList<>(DEFAULT_CURVES);
        private final List<Marker> markers = new ArrayList<>();
        private final Map<String, List<Long>> events = new LinkedHashMap<>();
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

        /** The panels, top to bottom (default: prequential accuracy, loss, surrogate gap). */
        public Builder curves(Curve... curves) {
            if (curves.length == 0) {
                throw new IllegalArgumentException("at least one curve");
            }
            this.curves.clear();
            this.curves.addAll(List.of(curves));
            return this;
        }

        /** A dashed vertical line at {@code step} across every panel, {@code label} in the top one. */
        public Builder marker(double step, String label) {
            this.markers.add(new Marker(step, Objects.requireNonNull(label, "label")));
            return this;
        }

        /** Dots on run {@code name}'s top curve at these steps (the run must be added first). */
        public Builder events(String name, List<Long> steps) {
            if (!runs.containsKey(name)) {
                throw new IllegalArgumentException("no run '" + name + "' to mark events on");
            }
            this.events.put(name, List.copyOf(steps));
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
