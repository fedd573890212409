package org.gsamflink.benchmarks;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.bytedeco.javacpp.Pointer;
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

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many small models keyed in one job: N models (default 100 and 1,000), each an MLP 784-16-10 (12,730 parameters,
 * Adam, GSAM α 0.1 ρ 0.05) trained on minibatches of 32 that arrive round-robin over the model ids, in one training
 * subtask. Reports examples/s after every model has trained twice, and the heap (after a GC, with the job still
 * holding every model) and JavaCPP off-heap memory in use, with at most {@code training.max-live-models} = 64 live
 * ND4J networks (the default: the others wait serialised in Flink state) and with all models live.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.gsamflink.benchmarks.ScaleMain [--models 100,1000]
 *     [--steps-per-model 12] [--live 64,all] [--out FILE]
 * </pre>
 */
public final class ScaleMain {

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("models", "100,1000");
        DEFAULTS.put("steps-per-model", "12");
        DEFAULTS.put("live", "64,all");
        DEFAULTS.put("batch", "32");
        DEFAULTS.put("out", "");
    }

    private static final String USAGE = "usage: java -cp benchmarks.jar " + ScaleMain.class.getName()
            + " [--option value ...]; options and defaults: " + DEFAULTS;

    private static volatile int modelCount;
    private static volatile int totalSteps;
    private static volatile long[] arrivals;
    private static volatile long heapAtEnd;
    private static volatile long offHeapAtEnd;
    private static final AtomicInteger arrived = new AtomicInteger();

    static MultiLayerConfiguration smallMlp(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(BenchModel.ADAM_LR))
                .weightInit(WeightInit.RELU).list()
                .layer(new DenseLayer.Builder().nIn(BenchModel.INPUTS).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(BenchModel.CLASSES)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .build();
    }

    record Row(int models, String live, double examplesPerSecond, long heapBytes, long offHeapBytes, double seconds) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = BenchOptions.parseOrExit(args, DEFAULTS, USAGE, k -> false, "");
        int batch = Integer.parseInt(o.get("batch"));
        int perModel = Integer.parseInt(o.get("steps-per-model"));
        OperatorJob.usePool(BatchPool.random(BatchPool.DEFAULT_POOL_SIZE, batch, StepCostBenchmark.DATA_SEED));
        ModelSpec spec = ModelSpec.builder().network(smallMlp(StepCostBenchmark.NET_SEED))
                .numFeatures(BenchModel.INPUTS).numClasses(BenchModel.CLASSES).alpha(StepVariant.ALPHA)
                .rho("constant:" + StepVariant.RHO).batchSize(batch).build();
        long params = spec.newNetwork().numParams();
        System.err.println("== " + Machine.describe());
        List<Row> rows = new java.util.ArrayList<>();
        for (String m : o.get("models").split(",")) {
            int n = Integer.parseInt(m.strip());
            for (String live : o.get("live").split(",")) {
                int maxLive = live.strip().equals("all") ? n : Integer.parseInt(live.strip());
                System.err.printf(Locale.ROOT, "%d models, %s live ...%n", n, live.strip());
                rows.add(run(spec, n, perModel, maxLive, live.strip()));
            }
        }
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "## Many small models in one job (MLP 784-16-10, %,d parameters each,"
                + " Adam, GSAM, minibatch %d, one training subtask)%n%n", params, batch));
        md.append("Machine: ").append(Machine.describe()).append(".\n\n");
        md.append("| models | live ND4J networks | examples/s | steps/s | heap in use (whole JVM) | JavaCPP off-heap"
                + " | wall s |\n|---:|---|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %,d | %s | %.0f | %.0f | %.1f MB | %.1f MB | %.1f |%n",
                    r.models(), r.live().equals("all") ? "all" : "at most " + r.live(), r.examplesPerSecond(),
                    r.examplesPerSecond() / batch, r.heapBytes() / 1e6, r.offHeapBytes() / 1e6, r.seconds()));
        }
        for (String live : o.get("live").split(",")) {
            List<Row> same = rows.stream().filter(r -> r.live().equals(live.strip())).toList();
            if (same.size() >= 2) {
                Row a = same.get(0);
                Row b = same.get(same.size() - 1);
                md.append(String.format(Locale.ROOT, "%nMarginal heap per model (%s live): %.1f KB, from %,d to %,d"
                                + " models.", live.strip().equals("all") ? "all" : "at most " + live.strip(),
                        (b.heapBytes() - a.heapBytes()) / 1e3 / (b.models() - a.models()), a.models(), b.models()));
            }
        }
        md.append(String.format(Locale.ROOT, "%n%nThroughput after every model trained twice (models arrive"
                + " round-robin, so with at most 64 live networks nearly every step restores a model from state and"
                + " writes another back); heap after a full GC while the job still holds every model (model state"
                + " %d parameters × 4 B × 3 with Adam's moments = %.1f KB per model, plus the live networks).%n",
                params, params * 12 / 1e3));
        System.out.println(md);
        BenchOptions.writeReport(o.get("out"), md);
        System.exit(0);
    }

    private static Row run(ModelSpec spec, int n, int perModel, int maxLive, String live) throws Exception {
        modelCount = n;
        totalSteps = n * perModel;
        arrivals = new long[totalSteps];
        arrived.set(0);
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        DataGeneratorSource<TrainingRecord> source = new DataGeneratorSource<>(new RoundRobin(), totalSteps,
                RateLimiterStrategy.noOp(), TypeInformation.of(TrainingRecord.class));
        DataStream<TrainingRecord> records = env.fromSource(source, WatermarkStrategy.noWatermarks(), "minibatches");
        GsamTraining.train(records, ModelSpecResolver.single(spec),
                TrainingOptions.builder().metricsEverySteps(1).maxLiveModels(maxLive).build()).metrics()
                .sinkTo(new Arrivals()).name("arrivals");
        long t0 = System.nanoTime();
        env.execute("scale benchmark: " + n + " models, " + live + " live");
        double seconds = (System.nanoTime() - t0) / 1e9;
        int from = Math.min(2 * n, totalSteps - 2);
        long[] a = Arrays.copyOf(arrivals, totalSteps);
        double eps = (totalSteps - 1 - from) * (double) spec.batchSize() * 1e9 / (a[totalSteps - 1] - a[from]);
        return new Row(n, live, eps, heapAtEnd, offHeapAtEnd, seconds);
    }

    /** Record i: minibatch (i / N) mod pool for model "m" + (i mod N). */
    static final class RoundRobin implements GeneratorFunction<Long, TrainingRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public TrainingRecord map(Long index) {
            int n = modelCount;
            float[][] f = OperatorJob.features;
            int b = (int) ((index / n) % f.length);
            return TrainingRecord.minibatch("m" + (index % n), OperatorJob.numFeatures, f[b], OperatorJob.labels[b]);
        }
    }

    /** Sink V2: arrival time of every step; at the last one, the memory in use while all models exist. */
    static final class Arrivals implements Sink<StepMetrics> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<StepMetrics> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(StepMetrics m, Context ctx) {
                    int i = arrived.getAndIncrement();
                    if (i < arrivals.length) {
                        arrivals[i] = System.nanoTime();
                    }
                    if (i == arrivals.length - 1) {
                        System.gc();
                        heapAtEnd = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                        offHeapAtEnd = Pointer.totalBytes();
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
