package org.gsamflink.cli.demo;

import org.gsamflink.cli.stream.RunFolder;
import org.gsamflink.cli.stream.StreamingRun;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.pipeline.job.JobConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The demo's job: an MLP sized from the data ({@link #architectureFor}: 784-256-10 for Fashion-MNIST) with
 * Nesterov momentum 0.05/0.9 and label smoothing 0.1, GSAM with α 0.1 and
 * ρ proportional to a cosine lr (0.05 → 0.005 over the planned steps; a constant ρ 0.05 when one step or an
 * unbounded stream is planned), metrics every 5 steps and a snapshot every 100, exactly-once sinks to the demo's
 * topics, the model store and checkpoints (every second) in the run's folder, live serving of the committed
 * versions ({@link LiveServing}; {@code -D serve.enabled=false} turns it off); then the user's {@code -D}
 * overrides, checked like any job's.
 *
 * <pre>{@code
 * DemoJobPreset preset = DemoJobPreset.builder().folder(folder).build();
 * StreamingRun.builder().jobConfig(preset::config).topics(DemoJobPreset.TOPICS) ...
 * }</pre>
 *
 * <p>Required: {@code folder}. Defaults: format {@code binary}, model {@code fashion}, batch size 128, data of
 * 784 features in 10 classes.
 */
public final class DemoJobPreset implements StreamingRun.JobConfigFactory {

    public static final String TRAIN_TOPIC = "gsam-demo-train";
    public static final String METRICS_TOPIC = "gsam-demo-metrics";
    public static final String SNAPSHOTS_TOPIC = "gsam-demo-snapshots";
    public static final String DEAD_LETTER_TOPIC = "gsam-demo-dead-letters";
    public static final StreamingRun.Topics TOPICS = new StreamingRun.Topics(TRAIN_TOPIC, METRICS_TOPIC,
            SNAPSHOTS_TOPIC, DEAD_LETTER_TOPIC);

    public static final String DEFAULT_FORMAT = "binary";
    public static final String DEFAULT_MODEL_ID = "fashion";
    public static final int DEFAULT_BATCH_SIZE = 128;
    public static final int DEFAULT_FEATURES = 784;
    public static final int DEFAULT_CLASSES = 10;

    private final RunFolder folder;
    private final String format;
    private final String modelId;
    private final int batchSize;
    private final String architecture;
    private final List<String> overrides;

    private DemoJobPreset(Builder b) {
        this.folder = b.folder;
        this.format = b.format;
        this.modelId = b.modelId;
        this.batchSize = b.batchSize;
        this.architecture = architectureFor(b.features, b.classes);
        this.overrides = List.copyOf(b.overrides);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The demo's network for data of this width: {@code mlp:<features>-<hidden>-<classes>}, 256 hidden units from
     * 256 features on (Fashion-MNIST's 784 get the MLP the demo always had), 64 below, where a wider layer only
     * slows the steps; at least two outputs, since a softmax over one class learns nothing. {@code -D
     * model.architecture=...} replaces it.
     */
    public static String architectureFor(int features, int classes) {
        if (features < 1 || classes < 1) {
            throw new IllegalArgumentException("features and classes must be >= 1, got " + features + " and "
                    + classes);
        }
        return "mlp:" + features + "-" + (features >= 256 ? 256 : 64) + "-" + Math.max(2, classes);
    }

    /**
     * The job's configuration: {@link #settings} with the overrides applied.
     *
     * @throws InvalidInputException naming every bad key or value
     */
    @Override
    public JobConfig config(String bootstrapServers, long startMs, long plannedSteps) {
        try {
            return JobConfig.fromMapWithOverrides(settings(bootstrapServers, startMs, plannedSteps), overrides);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    /** The demo's own settings, before the overrides, in a stable order. */
    public Map<String, String> settings(String bootstrapServers, long startMs, long plannedSteps) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", bootstrapServers);
        c.put("source.topics", TRAIN_TOPIC);
        c.put("source.group-id", "gsam-demo");
        // Only this run's records, also on a Kafka that already holds the demo's topics from an earlier run.
        c.put("source.starting-offsets", "timestamp");
        c.put("source.starting-timestamp-ms", String.valueOf(startMs));
        c.put("format.type", format);
        c.put("format.default-model-id", modelId);
        c.put("model.architecture", architecture);
        c.put("model.ids", modelId);
        c.put("model.updater", "nesterovs");
        c.put("model.learning-rate", "0.05");
        c.put("model.momentum", "0.9");
        c.put("model.label-smoothing", "0.1");
        c.put("gsam.alpha", "0.1");
        if (plannedSteps > 1) {
            c.put("gsam.lr-schedule", "cosine:max=0.05,min=0.005,T=" + plannedSteps + ",warmup=0");
            c.put("gsam.rho", "proportion:lrMax=0.05,lrMin=0.005,rhoMax=0.05,rhoMin=0.02");
        } else {
            c.put("gsam.rho", "constant:0.05");
        }
        c.put("training.batch-size", String.valueOf(batchSize));
        c.put("training.batch-timeout", "1 s");
        c.put("training.metrics-every-steps", "5");
        c.put("training.snapshot-every-steps", "100");
        c.put("sink.metrics-topic", METRICS_TOPIC);
        c.put("sink.snapshots-topic", SNAPSHOTS_TOPIC);
        c.put("sink.dead-letter-topic", DEAD_LETTER_TOPIC);
        c.put("sink.transactional-id-prefix", "gsam-demo-" + startMs);
        c.put("model-store.root", folder.store().toUri().toString());
        // Live serving of the versions as they commit: the held-out examples as JSON requests (LiveServing).
        c.put("serve.enabled", "true");
        c.put("serve.topics", LiveServing.REQUESTS_TOPIC);
        c.put("serve.format", "json");
        c.put("serve.starting-offsets", "timestamp");
        c.put("serve.poll-interval", "500 ms");
        c.put("sink.predictions-topic", LiveServing.PREDICTIONS_TOPIC);
        c.put("job.name", "gsam-flink demo");
        c.put("job.checkpoint-interval", "1 s");
        c.put("flink.execution.checkpointing.dir", folder.checkpoints().toUri().toString());
        return c;
    }

    public static final class Builder {
        private RunFolder folder;
        private String format = DEFAULT_FORMAT;
        private String modelId = DEFAULT_MODEL_ID;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int features = DEFAULT_FEATURES;
        private int classes = DEFAULT_CLASSES;
        private final List<String> overrides = new ArrayList<>();

        private Builder() {}

        /** The run's folder: the model store and the checkpoints go there. */
        public Builder folder(RunFolder folder) {
            this.folder = Objects.requireNonNull(folder, "folder");
            return this;
        }

        /** Record format on the training topic: binary, json or csv. */
        public Builder format(String format) {
            this.format = StreamingRun.checkFormat(format);
            return this;
        }

        public Builder modelId(String modelId) {
            this.modelId = ModelIds.validate(modelId);
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = StreamingRun.checkBatchSize(batchSize);
            return this;
        }

        /** The width and class count of the data the job trains on; they size the network. */
        public Builder data(int features, int classes) {
            architectureFor(features, classes);
            this.features = features;
            this.classes = classes;
            return this;
        }

        /** Job configuration overrides ({@code key=value}), applied after the demo's own settings. */
        public Builder overrides(List<String> keyValues) {
            keyValues.forEach(o -> this.overrides.add(Objects.requireNonNull(o, "override")));
            return this;
        }

        public DemoJobPreset build() {
            if (folder == null) {
                throw new IllegalStateException("DemoJobPreset needs a folder");
            }
            return new DemoJobPreset(this);
        }
    }
}
