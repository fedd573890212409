package org.gsamflink.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.cli.train.Accuracy;
import org.gsamflink.cli.train.OfflineTrainer;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The report of one streaming run: the held-out accuracy of the newest committed version of the model, the
 * summaries of its metrics (prequential accuracy over the stream and over its last 10 %, the final fading-factor
 * prequential accuracy and kappa, loss, surrogate gap, final ρ and lr), a PNG of the curves ({@link TrainingChart}) and a {@code summary.json}.
 *
 * <pre>{@code
 * RunReport.Result r = RunReport.builder().modelId("fashion").dataSource("Fashion-MNIST").heldOut(test)
 *         .store(dir.resolve("store")).metrics(dir.resolve("metrics.jsonl")).chart(dir.resolve("training.png"))
 *         .summary(dir.resolve("summary.json")).chartTitle("GSAM").build()
 *         .write(StopReason.MAX_STEPS, history, startMs, 0, savepoint);
 * }</pre>
 *
 * <p>Required: every setter. Memory: the newest model version and the held-out data, which it evaluates in
 * batches of {@value #EVALUATION_BATCH}.
 */
public final class RunReport {

    static final int EVALUATION_BATCH = 1000;
    /** The metrics summaries cover the newest records holding this share of the examples. */
    static final double RECENT_FRACTION = 0.1;

    /** What a run produced. {@code heldOutAccuracy} is NaN when no model version was stored. */
    public record Result(StopReason reason, String dataSource, long steps, long examples, double seconds,
                         double prequentialAccuracy, double recentAccuracy, double fadingAccuracy,
                         double kappa, double recentLoss,
                         double recentSurrogateGap, double rho, double lr, double examplesPerSecond,
                         double heldOutAccuracy, long heldOutExamples, long latestVersion, List<Long> storeVersions,
                         long deadLetters, Path store, Path metrics, Path chart, Path summary, Path savepoint) {}

    private final String modelId;
    private final String dataSource;
    private final LabeledData heldOut;
    private final Path store;
    private final Path metrics;
    private final Path chart;
    private final Path summary;
    private final String chartTitle;
    private final Map<String, JsonNode> sections;

    private RunReport(Builder b) {
        this.modelId = b.modelId;
        this.dataSource = b.dataSource;
        this.heldOut = b.heldOut;
        this.store = b.store;
        this.metrics = b.metrics;
        this.chart = b.chart;
        this.summary = b.summary;
        this.chartTitle = b.chartTitle;
        this.sections = new LinkedHashMap<>(b.sections);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The accuracy on {@code data} of version {@code version} of {@code modelId} in {@code models}. */
    public static Accuracy evaluate(ModelStore models, String modelId, long version, LabeledData data)
            throws IOException {
        ModelVersion v = models.read(modelId, version);
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(v.modelBytes()),
                false);
        return OfflineTrainer.evaluate(net, data, EVALUATION_BATCH);
    }

    /**
     * Evaluates the newest stored version, draws the chart (when there are metrics) and writes the summary.
     *
     * @param startMs   when the run started (the report's {@code seconds} run from there to now)
     * @param savepoint where the run's final savepoint is, or null
     */
    public Result write(StopReason reason, MetricsHistory history, long startMs, long deadLetters, Path savepoint)
            throws IOException {
        ModelStore models = ModelStore.builder().root(store.toUri()).build();
        List<Long> versions = models.listModels().contains(modelId) ? models.listVersions(modelId) : List.of();
        OptionalLong latest = versions.isEmpty() ? OptionalLong.empty() : models.latest(modelId);
        double heldOutAccuracy = Double.NaN;
        long heldOutExamples = 0;
        if (latest.isPresent()) {
            Accuracy a = evaluate(models, modelId, latest.getAsLong(), heldOut);
            heldOutAccuracy = a.value();
            heldOutExamples = a.total();
        }
        List<MetricPoint> recent = history.tail(RECENT_FRACTION);
        List<MetricPoint> points = history.points();
        MetricPoint last = points.isEmpty() ? null : points.get(points.size() - 1);
        if (!points.isEmpty()) {
            TrainingChart.builder().title(chartTitle).run("GSAM", points).build().writePng(chart);
        }
        Result r = new Result(reason, dataSource, history.steps(), history.examples(),
                (System.currentTimeMillis() - startMs) / 1000.0, history.accuracy(),
                MetricsHistory.accuracy(recent), history.latest(MetricPoint::fadingAccuracy),
                history.latest(MetricPoint::kappa), MetricsHistory.mean(recent, MetricPoint::loss),
                MetricsHistory.mean(recent, MetricPoint::surrogateGap), last == null ? Double.NaN : last.rho(),
                last == null ? Double.NaN : last.lr(), history.wallClockThroughput(), heldOutAccuracy,
                heldOutExamples, latest.orElse(-1), versions, deadLetters, store, metrics,
                points.isEmpty() ? null : chart, summary, savepoint);
        Files.writeString(summary, summaryJson(r));
        return r;
    }

    /** The {@code summary.json} of {@code r} (pretty-printed; NaN values as the JSON strings Jackson writes). */
    String summaryJson(Result r) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("stop_reason", r.reason().name().toLowerCase(Locale.ROOT));
        o.put("data", r.dataSource());
        o.put("model", modelId);
        o.put("steps", r.steps());
        o.put("examples", r.examples());
        o.put("seconds", r.seconds());
        o.put("examples_per_second", r.examplesPerSecond());
        o.put("prequential_accuracy", r.prequentialAccuracy());
        o.put("prequential_accuracy_last_10pct", r.recentAccuracy());
        o.put("fading_accuracy", r.fadingAccuracy());
        o.put("kappa", r.kappa());
        o.put("loss_last_10pct", r.recentLoss());
        o.put("surrogate_gap_last_10pct", r.recentSurrogateGap());
        o.put("held_out_accuracy", r.heldOutAccuracy());
        o.put("held_out_examples", r.heldOutExamples());
        o.put("latest_version", r.latestVersion());
        o.putPOJO("store_versions", r.storeVersions());
        o.put("dead_letters", r.deadLetters());
        o.put("store", r.store().toString());
        o.put("metrics", r.metrics().toString());
        o.put("chart", r.chart() == null ? null : r.chart().toString());
        o.put("savepoint", r.savepoint() == null ? null : r.savepoint().toString());
        sections.forEach(o::set);
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(o);
    }

    public static final class Builder {
        private String modelId;
        private String dataSource;
        private LabeledData heldOut;
        private Path store;
        private Path metrics;
        private Path chart;
        private Path summary;
        private String chartTitle;
        private final Map<String, JsonNode> sections = new LinkedHashMap<>();

        private Builder() {}

        /** A further section of {@code summary.json} under {@code name} (e.g. the demo's serving); null: none. */
        public Builder section(String name, JsonNode value) {
            Objects.requireNonNull(name, "name");
            if (value != null) {
                sections.put(name, value);
            }
            return this;
        }

        /** The model whose newest stored version is evaluated. */
        public Builder modelId(String modelId) {
            this.modelId = ModelIds.validate(modelId);
            return this;
        }

        /** Names the data in the report, e.g. {@code Fashion-MNIST}. */
        public Builder dataSource(String dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /** The examples the newest stored version is evaluated on. */
        public Builder heldOut(LabeledData heldOut) {
            this.heldOut = Objects.requireNonNull(heldOut, "heldOut");
            return this;
        }

        /** The root of the model store the run's job commits to. */
        public Builder store(Path store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Where the run wrote its metrics (named in the report only). */
        public Builder metrics(Path metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** Where the PNG goes. */
        public Builder chart(Path chart) {
            this.chart = Objects.requireNonNull(chart, "chart");
            return this;
        }

        /** Where {@code summary.json} goes. */
        public Builder summary(Path summary) {
            this.summary = Objects.requireNonNull(summary, "summary");
            return this;
        }

        public Builder chartTitle(String title) {
            this.chartTitle = Objects.requireNonNull(title, "title");
            return this;
        }

        public RunReport build() {
            List<String> missing = new java.util.ArrayList<>();
            if (modelId == null) {
                missing.add("modelId");
            }
            if (dataSource == null) {
                missing.add("dataSource");
            }
            if (heldOut == null) {
                missing.add("heldOut");
            }
            if (store == null) {
                missing.add("store");
            }
            if (metrics == null) {
                missing.add("metrics");
            }
            if (chart == null) {
                missing.add("chart");
            }
            if (summary == null) {
                missing.add("summary");
            }
            if (chartTitle == null) {
                missing.add("chartTitle");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("RunReport needs " + String.join(", ", missing));
            }
            return new RunReport(this);
        }
    }
}
