package org.gsamflink.benchmarks;

import org.gsamflink.cli.common.FileTrees;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.gsamflink.operators.GsamTraining;
import org.gsamflink.operators.GsamTrainingOperator;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.ModelSpecResolver;
import org.gsamflink.operators.StepMetrics;
import org.gsamflink.operators.TrainingOptions;
import org.gsamflink.operators.TrainingRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The training operator as a Flink job on a local MiniCluster (parallelism 1) in this JVM: a
 * {@link DataGeneratorSource} (no rate limit) emits N {@link TrainingRecord#minibatch minibatch} records that refer to
 * a shared static pool of arrays, the operator trains, and a Sink V2 writes the arrival time of every metrics record
 * into a static array. MiniCluster tasks run in this JVM (and the job's classes come from its class path), so the
 * statics are shared with the caller.
 */
final class OperatorJob {

    /** How the job is wired. */
    enum Wiring {
        /** {@code GsamTraining.train}: source → keyBy (a network shuffle: TrainingRecord serialised) → operator. */
        KEYED,
        /** As KEYED, with checkpoints to a file system directory. */
        KEYED_CHECKPOINTED,
        /**
         * Diagnostic: the operator chained to the source (DataStreamUtils.reinterpretAsKeyedStream, object reuse on),
         * so no record is serialised or copied; only possible because there is one model id and parallelism 1.
         */
        CHAINED,
        /**
         * The whole Kafka training job ({@code GsamJob}: KafkaSource → decode and validate → training → sinks) reading
         * the same minibatches as binary records from an embedded broker, written before the job starts.
         */
        KAFKA
    }

    static final String MODEL_ID = "mlp";

    /** The pool the generator reads; set by the caller before a job starts. */
    static volatile float[][] features;
    static volatile int[][] labels;
    static volatile int numFeatures;

    private static volatile Recorder current;
    /** CPU per step by thread group in the measured window of each variant's latest run (continuous runs only). */
    static final Map<String, Map<String, Double>> THREAD_CPU = new java.util.concurrent.ConcurrentHashMap<>();
    /** Extra Flink configuration for every job (--flink-conf), e.g. execution.buffer-timeout.interval=0ms. */
    static volatile Map<String, String> extraConfiguration = Map.of();

    private OperatorJob() {}

    /** Where the sink writes; one per run. */
    static final class Recorder {
        final long[] arrivals;
        final double[] losses;
        /** Gsam.step's own time, from the operator's examplesPerSecond (examples / training time of the step). */
        final long[] stepOnly;
        final ConcurrentLinkedQueue<Long> checkpointMarks = new ConcurrentLinkedQueue<>();
        final int warmup;
        final int block;
        /** Released by the sink when the operator finished a block; by the caller when the operator may go on. */
        final Semaphore toPartner = new Semaphore(0);
        final Semaphore toOperator = new Semaphore(0);
        volatile CpuLoad windowStart;
        volatile CpuLoad windowEnd;
        volatile ThreadCpu threadsAtStart;
        volatile ThreadCpu threadsAtEnd;

        Recorder(int steps, int warmup, int block) {
            arrivals = new long[steps];
            losses = new double[steps];
            stepOnly = new long[steps];
            this.warmup = warmup;
            this.block = block;
        }

        void arrive(StepMetrics m) {
            long now = System.nanoTime();
            int i = (int) m.step - 1;
            if (i >= 0 && i < arrivals.length && m.steps == 1) {
                arrivals[i] = now;
                losses[i] = m.cleanLoss;
                stepOnly[i] = m.examplesPerSecond > 0 ? Math.round(m.examples * 1e9 / m.examplesPerSecond) : 0;
                if (i == warmup - 1) {
                    windowStart = CpuLoad.sample();
                    threadsAtStart = ThreadCpu.sample();
                } else if (i == arrivals.length - 1) {
                    windowEnd = CpuLoad.sample();
                    threadsAtEnd = ThreadCpu.sample();
                }
            }
        }

        /** Block-interleaved runs: after the last step of a block, hand over and wait (in the operator's thread). */
        void afterStep(StepMetrics m) throws InterruptedException {
            if (block > 0 && m.step % block == 0) {
                toPartner.release();
                if (m.step < arrivals.length) {
                    toOperator.acquire();
                }
            }
        }
    }

    /** Makes {@code pool} the batches every job reads (as flat arrays); returns its DataSets, in pool order. */
    static org.nd4j.linalg.dataset.DataSet[] usePool(BatchPool pool) {
        float[][] f = new float[pool.size()][];
        int[][] l = new int[pool.size()][];
        org.nd4j.linalg.dataset.DataSet[] sets = new org.nd4j.linalg.dataset.DataSet[pool.size()];
        for (int b = 0; b < pool.size(); b++) {
            sets[b] = pool.get(b);
            f[b] = sets[b].getFeatures().dup('c').data().asFloat();
            l[b] = sets[b].getLabels().argMax(1).toIntVector();
        }
        numFeatures = (int) sets[0].getFeatures().size(1);
        labels = l;
        features = f;
        return sets;
    }

    /** Record i of the stream: minibatch i mod pool size (the arrays themselves, not copies). */
    static final class PoolGenerator implements GeneratorFunction<Long, TrainingRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public TrainingRecord map(Long index) {
            float[][] f = features;
            int b = (int) (index % f.length);
            return TrainingRecord.minibatch(MODEL_ID, numFeatures, f[b], labels[b]);
        }
    }

    /** Sink V2: arrival time per metrics record; {@code flush(false)} happens once per checkpoint. */
    static final class ArrivalSink implements Sink<StepMetrics> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<StepMetrics> createWriter(WriterInitContext context) {
            Recorder rec = current;
            return new SinkWriter<>() {
                @Override
                public void write(StepMetrics m, Context ctx) throws InterruptedException {
                    rec.arrive(m);
                    rec.afterStep(m);
                }

                @Override
                public void flush(boolean endOfInput) {
                    if (!endOfInput) {
                        rec.checkpointMarks.add(System.nanoTime());
                    }
                }

                @Override
                public void close() {}
            };
        }
    }

    /**
     * Runs one job of {@code steps} records and returns its timings. {@code checkpointMs} is used by
     * {@link Wiring#KEYED_CHECKPOINTED} only. With {@code block} K > 0 the operator and {@code partner} take turns,
     * K steps each (the operator first; this thread runs the partner's blocks while the operator waits in its sink).
     */
    static ThroughputRun run(String variant, int round, Wiring wiring, ModelSpec spec, int steps, int warmup,
                             long checkpointMs, int block, BareLoop partner) throws Exception {
        if (block > 0 && (partner == null || steps % block != 0)) {
            throw new IllegalArgumentException("block-interleaved runs need a partner and steps divisible by block");
        }
        Recorder rec = new Recorder(steps, warmup, block);
        current = rec;
        Configuration conf = Configuration.fromMap(extraConfiguration);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(PipelineOptions.OBJECT_REUSE, wiring == Wiring.CHAINED);
        Path checkpoints = null;
        if (wiring == Wiring.KEYED_CHECKPOINTED) {
            checkpoints = Files.createTempDirectory("gsam-bench-checkpoints");
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        if (wiring == Wiring.KEYED_CHECKPOINTED) {
            env.enableCheckpointing(checkpointMs);
        }
        String topic = null;
        DataStream<StepMetrics> metrics;
        if (wiring == Wiring.KAFKA) {
            topic = KafkaFixture.topicWith("operator-throughput", steps, numFeatures, spec.numClasses(),
                    i -> new PoolGenerator().map((long) i));
            metrics = KafkaJob.build(env, spec, topic).metrics();
        } else {
            metrics = generatorJob(env, wiring, spec, steps);
        }
        metrics.sinkTo(new ArrivalSink()).name("arrival times");

        long t0 = System.nanoTime();
        JobClient client = env.executeAsync("operator throughput: " + variant + " round " + round);
        CompletableFuture<?> done = client.getJobExecutionResult();
        Map<Integer, Long> checkpointSizes = new TreeMap<>();
        long[] blockStarts = new long[block > 0 ? steps / block : 0];
        if (block > 0) {
            blockStarts[0] = t0;
            for (int b = 0; b < blockStarts.length; b++) {
                while (!rec.toPartner.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                    if (done.isDone()) {
                        done.get();   // throws if the job failed
                        throw new IllegalStateException("the job ended before step " + (b + 1) * block);
                    }
                }
                if (b + 1 == blockStarts.length) {
                    // The operator is through; let the job finish (end of input, final checkpoint, shutdown)
                    // before the partner's last block, so that the two do not overlap.
                    awaitJob(done, checkpoints, checkpointSizes);
                }
                partner.runBlock(b);
                if (checkpoints != null) {
                    scanCheckpoints(checkpoints, checkpointSizes);
                }
                if (b + 1 < blockStarts.length) {
                    blockStarts[b + 1] = System.nanoTime();
                    rec.toOperator.release();
                }
            }
        }
        awaitJob(done, checkpoints, checkpointSizes);
        double wall = (System.nanoTime() - t0) / 1e9;
        if (checkpoints != null) {
            deleteRecursively(checkpoints);
        }
        if (topic != null) {
            KafkaFixture.deleteTopic(topic);
        }
        long[] marks = rec.checkpointMarks.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] sizes = checkpointSizes.values().stream().mapToLong(Long::longValue).toArray();
        CpuLoad start = rec.windowStart;
        CpuLoad end = rec.windowEnd;
        if (block == 0 && rec.threadsAtStart != null && rec.threadsAtEnd != null) {
            THREAD_CPU.put(variant, rec.threadsAtEnd.msPerStepSince(rec.threadsAtStart, steps - warmup));
        }
        return new ThroughputRun(variant, round, spec.batchSize(), warmup, block, blockStarts, rec.arrivals,
                rec.losses, marks, sizes, wall, start == null || end == null ? Double.NaN : end.ownCoresSince(start),
                start == null || end == null ? Double.NaN : end.foreignCoresSince(start), rec.stepOnly);
    }

    /** The generator-sourced job: DataGeneratorSource → (keyBy or chained) → training operator. */
    private static SingleOutputStreamOperator<StepMetrics> generatorJob(StreamExecutionEnvironment env, Wiring wiring,
                                                                       ModelSpec spec, int steps) {
        DataGeneratorSource<TrainingRecord> source = new DataGeneratorSource<>(new PoolGenerator(), steps,
                RateLimiterStrategy.noOp(), TypeInformation.of(TrainingRecord.class));
        DataStream<TrainingRecord> records = env.fromSource(source, WatermarkStrategy.noWatermarks(), "minibatches");
        ModelSpecResolver specs = ModelSpecResolver.single(spec);
        TrainingOptions options = TrainingOptions.builder().metricsEverySteps(1).build();
        if (wiring == Wiring.CHAINED) {
            return DataStreamUtils.reinterpretAsKeyedStream(records, r -> r.modelId, Types.STRING)
                    .transform("GSAM training (chained)", TypeInformation.of(StepMetrics.class),
                            new GsamTrainingOperator(specs, options))
                    .uid(GsamTraining.UID);
        }
        return GsamTraining.train(records, specs, options).metrics();
    }

    private static void awaitJob(CompletableFuture<?> done, Path checkpoints, Map<Integer, Long> checkpointSizes)
            throws Exception {
        while (!done.isDone()) {
            if (checkpoints != null) {
                scanCheckpoints(checkpoints, checkpointSizes);
            }
            try {
                done.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                // poll again
            }
        }
        done.get();
    }

    /** Sizes of the completed checkpoints (chk-N directories with a _metadata file) under {@code dir}. */
    private static void scanCheckpoints(Path dir, Map<Integer, Long> sizes) {
        try (Stream<Path> jobs = Files.list(dir)) {
            for (Path job : jobs.toList()) {
                if (!Files.isDirectory(job)) {
                    continue;
                }
                try (Stream<Path> chks = Files.list(job)) {
                    for (Path chk : chks.toList()) {
                        String name = chk.getFileName().toString();
                        if (!name.startsWith("chk-") || !Files.exists(chk.resolve("_metadata"))) {
                            continue;
                        }
                        int id = Integer.parseInt(name.substring(4));
                        if (!sizes.containsKey(id)) {
                            sizes.put(id, sizeOf(chk));
                        }
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // A checkpoint was subsumed (deleted) while we looked: take it at the next scan or not at all.
        }
    }

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    /** Deletes {@code dir} and everything below it, best effort: a temp directory of a benchmark. */
    static void deleteRecursively(Path dir) {
        try {
            FileTrees.deleteRecursively(dir);
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
