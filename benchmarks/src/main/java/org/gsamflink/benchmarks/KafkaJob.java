package org.gsamflink.benchmarks;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The production Kafka job ({@link GsamJob}) configured to train exactly {@code spec}'s network: its DL4J
 * configuration goes in as a JSON file ({@code model.architecture}), with the same GSAM settings, so the job and
 * the bare loop compute the same steps. Bounded source from the earliest offset, metrics for every step, no
 * checkpoints and at-least-once sinks (no transactions), like the generator-sourced operator job it is compared to.
 */
final class KafkaJob {

    private KafkaJob() {}

    static GsamJob.Streams build(StreamExecutionEnvironment env, ModelSpec spec, String topic) {
        return GsamJob.build(env, JobConfig.fromMap(config(spec, topic, Map.of())));
    }

    /** The job's configuration keys; {@code extra} overrides them. */
    static Map<String, String> config(ModelSpec spec, String topic, Map<String, String> extra) {
        Path architecture;
        try {
            architecture = Files.createTempFile("gsam-bench-network", ".json");
            Files.writeString(architecture, spec.networkConfigJson());
            architecture.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", KafkaFixture.bootstrapServers());
        // A 392 KiB minibatch record exceeds the consumer's 1 MiB per-partition fetch after two records.
        c.put("kafka.max.partition.fetch.bytes", String.valueOf(32 << 20));
        c.put("kafka.fetch.max.bytes", String.valueOf(64 << 20));
        c.put("source.topics", topic);
        c.put("source.group-id", "bench-" + topic);
        c.put("source.starting-offsets", "earliest");
        c.put("source.bounded", "true");
        c.put("format.type", "binary");
        c.put("model.architecture", architecture.toString());
        c.put("gsam.alpha", String.valueOf(spec.alpha()));
        c.put("gsam.rho", spec.rhoSpec());
        c.put("training.batch-size", String.valueOf(spec.batchSize()));
        c.put("training.metrics-every-steps", "1");
        c.put("training.snapshot-every-steps", "0");
        c.put("sink.delivery", "at_least_once");
        c.put("sink.dead-letter-topic", topic + "-dlq");
        c.put("job.checkpoint-interval", "0 s");
        c.putAll(extra);
        return c;
    }
}
