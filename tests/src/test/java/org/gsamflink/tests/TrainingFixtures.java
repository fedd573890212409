package org.gsamflink.tests;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.gsamflink.operators.ModelSnapshot;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.optimizer.GsamState;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/** Shared pieces of the MiniCluster tests: a learnable generated dataset, a small model, a collecting sink. */
final class TrainingFixtures {

    static final int FEATURES = 16;
    static final int CLASSES = 4;
    private static final double[][] PROJECTION = projection();

    private TrainingFixtures() {}

    private static double[][] projection() {
        Random r = new Random(7);
        double[][] p = new double[CLASSES][FEATURES];
        for (double[] row : p) {
            for (int j = 0; j < FEATURES; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return p;
    }

    /** Example {@code index} of a stream: Gaussian features, label = argmax of a fixed projection. */
    static TrainingRecord example(String modelId, long index) {
        Random r = new Random(index * 31 + modelId.hashCode());
        float[] x = new float[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            x[j] = (float) r.nextGaussian();
        }
        return TrainingRecord.example(modelId, x, labelOf(x));
    }

    static int labelOf(float[] x) {
        int best = 0;
        double bestV = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < CLASSES; c++) {
            double v = 0;
            for (int j = 0; j < FEATURES; j++) {
                v += PROJECTION[c][j] * x[j];
            }
            if (v > bestV) {
                bestV = v;
                best = c;
            }
        }
        return best;
    }

    static MultiLayerConfiguration network() {
        return new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Adam(5e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    static ModelSpec.Builder spec() {
        return ModelSpec.builder()
                .network(network()).numFeatures(FEATURES).numClasses(CLASSES)
                .alpha(0.3).rho("constant:0.05").batchSize(16);
    }

    /** A MiniCluster of one task manager with {@code slots} slots, shared by the tests of a class. */
    static org.apache.flink.test.junit5.MiniClusterExtension miniCluster(int slots) {
        return miniCluster(1, slots);
    }

    /** A MiniCluster of {@code taskManagers} task managers with {@code slots} slots each. */
    static org.apache.flink.test.junit5.MiniClusterExtension miniCluster(int taskManagers, int slots) {
        return new org.apache.flink.test.junit5.MiniClusterExtension(
                new org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(taskManagers)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }

    /** A deterministic, checkpointed source of {@code count} records, optionally rate-limited. */
    static DataGeneratorSource<TrainingRecord> source(GeneratorFunction<Long, TrainingRecord> gen, long count,
                                                      double perSecond) {
        return new DataGeneratorSource<>(gen, count,
                perSecond > 0 ? RateLimiterStrategy.perSecond(perSecond) : RateLimiterStrategy.noOp(),
                TypeInformation.of(TrainingRecord.class));
    }

    /** Parallelism 1, no Kryo fallback anywhere (generic types disabled), fast restarts. */
    static StreamExecutionEnvironment env() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        return env;
    }

    /** The last snapshot per model id (by version). */
    static Map<String, ModelSnapshot> finalSnapshots(List<ModelSnapshot> all) {
        return all.stream().collect(Collectors.toMap(s -> s.modelId, s -> s,
                (a, b) -> a.version >= b.version ? a : b));
    }

    static GsamState state(ModelSnapshot s) {
        return GsamState.decode(s.optimizerState);
    }

    /** The whole optimizer state of a snapshot: the counters with the model zip's parameters and updater state. */
    static byte[] fullState(ModelSnapshot s) {
        return GsamState.decode(s.optimizerState).withParametersFrom(s.modelBytes).encode();
    }

    /** Sink V2 that appends to a JVM-wide list per name: MiniCluster tasks run in the test's JVM. */
    static final class CollectingSink<T> implements Sink<T> {
        private static final Map<String, List<Object>> RESULTS = new ConcurrentHashMap<>();
        private final String name;

        CollectingSink(String name) {
            this.name = name;
            RESULTS.put(name, new ArrayList<>());
        }

        @SuppressWarnings("unchecked")
        List<T> results() {
            synchronized (RESULTS.get(name)) {
                return new ArrayList<>((List<T>) RESULTS.get(name));
            }
        }

        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            List<Object> target = RESULTS.get(name);
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context ctx) {
                    synchronized (target) {
                        target.add(element);
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    static <T> List<T> sorted(List<T> list, Comparator<T> c) {
        List<T> out = new ArrayList<>(list);
        out.sort(c);
        return out;
    }
}
