package org.gsamflink.benchmarks;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.gsamflink.operators.GsamTraining;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.ModelSpecResolver;
import org.gsamflink.operators.StepMetrics;
import org.gsamflink.operators.TrainingOptions;
import org.gsamflink.operators.TrainingRecord;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Checkpointing cost for a ~1M-parameter model (MLP 784-1024-256-10, 1,068,810 parameters, Adam, GSAM α 0.1
 * ρ 0.05, minibatch 128): the training operator's throughput with a checkpoint every second vs none (runs
 * alternating, medians over rounds), the completed checkpoint's size, and the time from an injected failure to the
 * next completed training step (a mapper before the operator throws once after a completed checkpoint; fixed-delay
 * restart with no delay; the job restores model, optimizer state and source position and trains on).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.gsamflink.benchmarks.CheckpointRecoveryMain
 *     [--steps 400] [--warmup 60] [--rounds 3] [--checkpoint-ms 1000] [--failures 3] [--out FILE]
 * </pre>
 */
public final class CheckpointRecoveryMain {

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("steps", "400");
        DEFAULTS.put("warmup", "60");
        DEFAULTS.put("rounds", "3");
        DEFAULTS.put("checkpoint-ms", "1000");
        DEFAULTS.put("failures", "3");
        DEFAULTS.put("out", "");
    }

    private static final String USAGE = "usage: java -cp benchmarks.jar " + CheckpointRecoveryMain.class.getName()
            + " [--option value ...]; options and defaults: " + DEFAULTS;

    /** MLP 784-1024-256-10: 784·1024+1024 + 1024·256+256 + 256·10+10 = 1,068,810 parameters. */
    static MultiLayerConfiguration millionParameterMlp(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(BenchModel.ADAM_LR))
                .weightInit(WeightInit.RELU).list()
                .layer(new DenseLayer.Builder().nIn(BenchModel.INPUTS).nOut(1024).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(1024).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(256).nOut(BenchModel.CLASSES)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .build();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = BenchOptions.parseOrExit(args, DEFAULTS, USAGE, k -> false, "");
        int steps = Integer.parseInt(o.get("steps"));
        int warmup = Integer.parseInt(o.get("warmup"));
        int rounds = Integer.parseInt(o.get("rounds"));
        long ckptMs = Long.parseLong(o.get("checkpoint-ms"));
        ModelSpec spec = ModelSpec.builder().network(millionParameterMlp(StepCostBenchmark.NET_SEED))
                .numFeatures(BenchModel.INPUTS).numClasses(BenchModel.CLASSES).alpha(StepVariant.ALPHA)
                .rho("constant:" + StepVariant.RHO).batchSize(BatchPool.DEFAULT_BATCH_SIZE).build();
        long params = spec.newNetwork().numParams();
        OperatorJob.usePool(BatchPool.random(BatchPool.DEFAULT_POOL_SIZE, BatchPool.DEFAULT_BATCH_SIZE,
                StepCostBenchmark.DATA_SEED));
        System.err.println("== " + Machine.describe());

        List<ThroughputRun> plain = new ArrayList<>();
        List<ThroughputRun> checkpointed = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            boolean plainFirst = r % 2 == 1;
            for (int k = 0; k < 2; k++) {
                boolean runPlain = (k == 0) == plainFirst;
                System.err.printf(Locale.ROOT, "round %d: %s ...%n", r, runPlain ? "no checkpoints" : "checkpoints");
                ThroughputRun run = OperatorJob.run(runPlain ? "no checkpoints" : "checkpoint every " + ckptMs + " ms",
                        r, runPlain ? OperatorJob.Wiring.KEYED : OperatorJob.Wiring.KEYED_CHECKPOINTED, spec, steps,
                        warmup, ckptMs, 0, null);
                (runPlain ? plain : checkpointed).add(run);
            }
        }
        int failures = Integer.parseInt(o.get("failures"));
        List<Recovery> recoveries = new ArrayList<>();
        for (int f = 1; f <= failures; f++) {
            System.err.printf(Locale.ROOT, "failure injection %d ...%n", f);
            recoveries.add(recover(spec, steps, ckptMs, 120 + 40 * f));
        }

        StringBuilder md = new StringBuilder();
        double eNone = ThroughputRun.medianExamplesPerSecond(plain);
        double eCkpt = ThroughputRun.medianExamplesPerSecond(checkpointed);
        double bytes = new Samples(checkpointed.stream().mapToDouble(ThroughputRun::meanCheckpointBytes)
                .filter(Double::isFinite).toArray()).median();
        md.append(String.format(Locale.ROOT, "## Checkpointing a %,d-parameter model (MLP 784-1024-256-10, Adam, GSAM,"
                + " minibatch 128)%n%n", params));
        md.append("Machine: ").append(Machine.describe()).append(".\n\n");
        md.append("| variant | examples/s (median of ").append(rounds).append(" rounds) | ratio | per round |\n");
        md.append("|---|---:|---:|---|\n");
        md.append(String.format(Locale.ROOT, "| no checkpoints | %.0f | 1.00 | %s |%n", eNone, perRound(plain)));
        md.append(String.format(Locale.ROOT, "| checkpoint every %d ms | %.0f | %.2f | %s |%n%n", ckptMs, eCkpt,
                eCkpt / eNone, perRound(checkpointed)));
        md.append(String.format(Locale.ROOT, "State per checkpoint: %.2f MB (parameters %,d × 4 B = %.2f MB; with"
                        + " Adam's two moments and GSAM's counters: 3× that plus the DL4J configuration). Checkpoints in"
                        + " the measured windows: %s.%n%n", bytes / 1e6, params, params * 4 / 1e6,
                checkpointed.stream().map(r -> String.valueOf(r.checkpointsInWindow())).reduce((a, b) -> a + "/" + b)
                        .orElse("-")));
        double[] ms = recoveries.stream().mapToDouble(Recovery::millis).toArray();
        md.append(String.format(Locale.ROOT, "Failure → next completed step: median %.0f ms (%s ms; %d injected"
                        + " failures, each after a completed checkpoint; restart without delay; steps re-trained"
                        + " from the checkpoint: %s).%n", new Samples(ms).median(),
                String.join(", ", recoveries.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.millis())).toList()),
                recoveries.size(),
                String.join(", ", recoveries.stream().map(r -> String.valueOf(r.stepsRetrained())).toList())));
        System.out.println(md);
        BenchOptions.writeReport(o.get("out"), md);
        System.exit(0);
    }

    private static String perRound(List<ThroughputRun> runs) {
        return String.join(", ", runs.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.examplesPerSecond()))
                .toList());
    }

    /** What one injected failure cost. */
    record Recovery(double millis, long stepsRetrained) {}

    // Shared with the job's tasks (MiniCluster tasks run in this JVM).
    private static volatile long failedAtNanos;
    private static volatile long lastStepBeforeFailure;
    private static volatile boolean failed;
    private static volatile boolean checkpointCompleted;
    private static final ConcurrentLinkedQueue<long[]> arrivals = new ConcurrentLinkedQueue<>();

    private static Recovery recover(ModelSpec spec, int steps, long ckptMs, int failAfterRecords) throws Exception {
        failed = false;
        checkpointCompleted = false;
        failedAtNanos = 0;
        lastStepBeforeFailure = 0;
        arrivals.clear();
        Path checkpoints = Files.createTempDirectory("gsam-bench-recovery");
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ZERO);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        env.enableCheckpointing(ckptMs);
        DataGeneratorSource<TrainingRecord> source = new DataGeneratorSource<>(new OperatorJob.PoolGenerator(), steps,
                RateLimiterStrategy.noOp(), TypeInformation.of(TrainingRecord.class));
        DataStream<TrainingRecord> records = env.fromSource(source, WatermarkStrategy.noWatermarks(), "minibatches")
                .map(new FailOnce(failAfterRecords)).returns(TypeInformation.of(TrainingRecord.class))
                .name("fail once");
        GsamTraining.train(records, ModelSpecResolver.single(spec),
                TrainingOptions.builder().metricsEverySteps(1).build()).metrics()
                .sinkTo(new StepArrivals()).name("step arrivals");
        env.execute("recovery benchmark");
        OperatorJob.deleteRecursively(checkpoints);
        if (!failed) {
            throw new IllegalStateException("the failure was never injected (no checkpoint completed in time?)");
        }
        for (long[] a : arrivals) {
            if (a[1] > failedAtNanos) {
                return new Recovery((a[1] - failedAtNanos) / 1e6, lastStepBeforeFailure - a[0] + 1);
            }
        }
        throw new IllegalStateException("no step completed after the failure");
    }

    /** Throws once, after a checkpoint completed and at least {@code after} records passed since the start. */
    static final class FailOnce extends RichMapFunction<TrainingRecord, TrainingRecord> implements CheckpointListener {
        private static final long serialVersionUID = 1L;
        private final int after;
        private transient int seen;

        FailOnce(int after) {
            this.after = after;
        }

        @Override
        public void open(OpenContext ctx) {
            seen = 0;
        }

        @Override
        public TrainingRecord map(TrainingRecord r) {
            if (!failed && checkpointCompleted && ++seen >= after) {
                long[] last = arrivals.stream().reduce((a, b) -> b).orElse(new long[] {0, 0});
                lastStepBeforeFailure = last[0];
                failed = true;
                failedAtNanos = System.nanoTime();
                throw new IllegalStateException("injected failure (recovery benchmark)");
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointCompleted = true;
        }
    }

    /** Sink V2: (step, arrival time) of every metrics record. */
    static final class StepArrivals implements Sink<StepMetrics> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<StepMetrics> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(StepMetrics m, Context ctx) {
                    arrivals.add(new long[] {m.step, System.nanoTime()});
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
