package org.gsamflink.benchmarks;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.ServingJob;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One serving job of {@link ServeBenchMain} and what it serves from: its topics on the embedded broker, a model
 * store of its own, and the job itself as {@code gsam-flink serve} would run it, on a local MiniCluster.
 */
final class ServeJob {

    static final String MODEL_ID = "serve-bench";

    private ServeJob() {}

    /** A run's topics: requests, predictions, dead letters; {@link #delete()} after the run. */
    record Topics(String requests, String predictions, String deadLetters) {
        static Topics create(String prefix) {
            return new Topics(KafkaFixture.newTopic(prefix + "-requests"),
                    KafkaFixture.newTopic(prefix + "-predictions"), KafkaFixture.newTopic(prefix + "-dlq"));
        }

        void delete() {
            KafkaFixture.deleteTopic(requests);
            KafkaFixture.deleteTopic(predictions);
            KafkaFixture.deleteTopic(deadLetters);
        }
    }

    /**
     * A fresh model store holding version 1 of {@code model} (a DL4J zip without updater); the caller deletes it
     * ({@link OperatorJob#deleteRecursively}).
     */
    static Path store(byte[] model) throws IOException {
        Path root = Files.createTempDirectory("gsam-bench-serve-store");
        publish(open(root, 10), 1, model);
        return root;
    }

    static ModelStore open(Path root, int keepLast) {
        return ModelStore.builder().root(root.toUri()).keepLast(keepLast).build();
    }

    static void publish(ModelStore store, long version, byte[] model) throws IOException {
        store.publish(ModelVersion.builder().modelBytes(model)
                .metadata(ModelMetadata.builder().modelId(MODEL_ID).version(version).build()).build());
    }

    /** The commit time of a version as the watcher reads it: its {@code _COMPLETE} marker's mtime. */
    static long committedAtMs(Path root, long version) throws IOException {
        return Files.getLastModifiedTime(root.resolve(MODEL_ID).resolve(ModelStore.versionDirectoryName(version))
                .resolve(ModelStore.COMPLETE_MARKER)).toMillis();
    }

    /** What the watcher does to load a version, timed in this JVM: read it from the store and restore the network. */
    static double loadMs(Path root, long version) throws IOException {
        long t0 = System.nanoTime();
        ModelVersion v = open(root, 10).read(MODEL_ID, version);
        ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(v.modelBytes()), false);
        return (System.nanoTime() - t0) / 1e6;
    }

    /**
     * Starts the serving job: {@code job.mode: serve}, JSON requests for batch 1 and binary minibatches otherwise,
     * {@code serve.delivery: at_least_once}, the other keys at their defaults unless {@code extra} sets them.
     */
    static JobClient start(Topics t, Path store, int batch, long pollMs, Map<String, String> extra) throws Exception {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", KafkaFixture.bootstrapServers());
        // A 64-row request is a 200 KB record: let one fetch carry many (the consumer's default is 1 MiB per
        // partition), as KafkaJob does for the training minibatches.
        c.put("kafka.max.partition.fetch.bytes", String.valueOf(32 << 20));
        c.put("kafka.fetch.max.bytes", String.valueOf(64 << 20));
        c.put("job.mode", "serve");
        c.put("job.name", "serve benchmark");
        c.put("format.type", batch == 1 ? "json" : "binary");
        c.put("serve.topics", t.requests());
        c.put("serve.group-id", t.requests());
        c.put("serve.starting-offsets", "earliest");
        c.put("serve.poll-interval", pollMs + " ms");
        c.put("serve.delivery", "at_least_once");
        c.put("sink.predictions-topic", t.predictions());
        c.put("sink.dead-letter-topic", t.deadLetters());
        c.put("model-store.root", store.toUri().toString());
        c.putAll(extra);
        JobConfig cfg = JobConfig.fromMap(c);
        Configuration conf = cfg.flinkConfiguration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        ServingJob.build(env, cfg);
        return env.executeAsync("serve benchmark");
    }

    /** Cancels the job (idempotent) and waits until its MiniCluster has let go of it. */
    static void stop(JobClient job) {
        try {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get(60, TimeUnit.SECONDS);
            }
            job.getJobExecutionResult().exceptionally(e -> null).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a job already gone has nothing left to stop
        }
    }
}
