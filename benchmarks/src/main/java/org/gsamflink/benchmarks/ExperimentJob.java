package org.gsamflink.benchmarks;

import org.gsamflink.cli.stream.RunFolder;
import org.gsamflink.cli.stream.StreamingRun;
import org.gsamflink.pipeline.job.JobConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The job of one {@link ExperimentMain} run: the model ({@code architecture}, Nesterov momentum 0.9, label smoothing
 * 0.1, initial weights from {@code seed}), a cosine lr from {@code lr} to {@code lrMin} over {@code steps}, no
 * perturbation noise, metrics every 5 steps and no periodic snapshot (the final one comes with the stop), then the
 * optimizer's keys ({@link ExperimentMain.Variant#keys()}). Topic, group, job and transaction names are those the
 * runs had when they were streaming demos, so that the runs stay exactly as they were. {@link StreamsMain} runs the
 * same job with its own keys on top (Adam, no label smoothing, drift reaction, alerts topic, standardization).
 */
final class ExperimentJob implements StreamingRun.JobConfigFactory {

    static final String MODEL_ID = "fashion";
    static final StreamingRun.Topics TOPICS = new StreamingRun.Topics("gsam-demo-train", "gsam-demo-metrics",
            "gsam-demo-snapshots", "gsam-demo-dead-letters");

    private final RunFolder folder;
    private final String architecture;
    private final String lr;
    private final String lrMin;
    private final int batch;
    private final long seed;
    private final long steps;
    private final Map<String, String> optimizer;

    ExperimentJob(RunFolder folder, String architecture, String lr, String lrMin, int batch, long seed, long steps,
                  Map<String, String> optimizer) {
        this.folder = Objects.requireNonNull(folder, "folder");
        this.architecture = Objects.requireNonNull(architecture, "architecture");
        this.lr = Objects.requireNonNull(lr, "lr");
        this.lrMin = Objects.requireNonNull(lrMin, "lrMin");
        this.batch = batch;
        this.seed = seed;
        this.steps = steps;
        this.optimizer = Map.copyOf(optimizer);
    }

    /** The run's settings; the planned steps of the stream are not used (the schedule spans {@code steps}). */
    @Override
    public JobConfig config(String bootstrapServers, long startMs, long plannedSteps) {
        return JobConfig.fromMap(settings(bootstrapServers, startMs));
    }

    Map<String, String> settings(String bootstrapServers, long startMs) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", bootstrapServers);
        c.put("source.topics", TOPICS.train());
        c.put("source.group-id", "gsam-demo");
        c.put("source.starting-offsets", "timestamp");
        c.put("source.starting-timestamp-ms", String.valueOf(startMs));
        c.put("format.type", "binary");
        c.put("format.default-model-id", MODEL_ID);
        c.put("model.architecture", architecture);
        c.put("model.ids", MODEL_ID);
        c.put("model.updater", "nesterovs");
        c.put("model.learning-rate", lr);
        c.put("model.momentum", "0.9");
        c.put("model.label-smoothing", "0.1");
        c.put("model.seed", String.valueOf(seed));
        c.put("gsam.seed", String.valueOf(seed));
        c.put("gsam.lr-schedule", "cosine:max=" + lr + ",min=" + lrMin + ",T=" + steps + ",warmup=0");
        c.put("gsam.perturbation", "none");
        c.put("training.batch-size", String.valueOf(batch));
        c.put("training.batch-timeout", "1 s");
        c.put("training.metrics-every-steps", "5");
        c.put("training.snapshot-every-steps", "0");
        c.put("sink.metrics-topic", TOPICS.metrics());
        c.put("sink.snapshots-topic", TOPICS.snapshots());
        c.put("sink.dead-letter-topic", TOPICS.deadLetters());
        c.put("sink.transactional-id-prefix", "gsam-demo-" + startMs);
        c.put("model-store.root", folder.store().toUri().toString());
        c.put("job.name", "gsam-flink demo");
        c.put("job.checkpoint-interval", "1 s");
        c.put("flink.execution.checkpointing.dir", folder.checkpoints().toUri().toString());
        c.putAll(optimizer);
        return c;
    }
}
