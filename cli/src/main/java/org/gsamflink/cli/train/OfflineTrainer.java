package org.gsamflink.cli.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.Gsam;
import org.gsamflink.optimizer.GsamConfig;
import org.gsamflink.optimizer.StepResult;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.pipeline.model.NetworkInfo;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Random;

import static org.gsamflink.optimizer.Predictions.countCorrect;

/**
 * Trains a DL4J {@link MultiLayerNetwork} for a number of epochs over an in-memory data set with {@link Gsam}
 * (GSAM, SAM, ASAM or, with ρ = 0, the plain base optimizer), evaluating held-out accuracy after each epoch.
 * It is the offline counterpart of the streaming job and what the {@code gsam-flink train} command runs; the
 * benchmarks call it directly.
 *
 * <pre>{@code
 * TrainingResult r = OfflineTrainer.builder()
 *     .network(net)                                   // required, initialised
 *     .optimizer(GsamConfig.gsam(0.1, 0.05))          // required
 *     .trainData(train)                               // required
 *     .testData(test).batchSize(128).epochs(3).seed(42)
 *     .listener(new StepsCsvWriter(Path.of("steps.csv")))
 *     .build().run();
 * }</pre>
 *
 * <p>Each epoch visits every training example once, in a fresh permutation drawn from a {@code Random(seed)} (or
 * in file order without shuffling); the last batch of an epoch may be smaller. Every step reports the clean-pass
 * predictions' accuracy on its batch ("predict, then train": prequential accuracy) to the {@link TrainerListener}s.
 * The optimizer's step counter t starts at 0, so an lr scheduler for this run should have T = {@link
 * #totalSteps()}.
 *
 * <p>Lifecycle: {@link #run()} creates the {@link Gsam} optimizer (three extra parameter-sized vectors), trains,
 * and closes it; the network keeps the trained parameters and updater state. Not thread-safe.
 */
public final class OfflineTrainer {

    public static final int DEFAULT_BATCH_SIZE = 128;
    public static final int DEFAULT_EPOCHS = 1;
    public static final boolean DEFAULT_SHUFFLE = true;
    public static final long DEFAULT_SEED = 42L;
    public static final int DEFAULT_EVAL_BATCH_SIZE = 1000;

    private final MultiLayerNetwork network;
    private final GsamConfig optimizer;
    private final LabeledData train;
    private final LabeledData test;
    private final int batchSize;
    private final int epochs;
    private final boolean shuffle;
    private final long seed;
    private final int evalBatchSize;
    private final int outputs;
    private final List<TrainerListener> listeners;

    private OfflineTrainer(Builder b, int outputs) {
        this.network = b.network;
        this.optimizer = b.optimizer;
        this.train = b.train;
        this.test = b.test;
        this.batchSize = b.batchSize;
        this.epochs = b.epochs;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.evalBatchSize = b.evalBatchSize;
        this.outputs = outputs;
        this.listeners = List.copyOf(b.listeners);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** ⌈examples / batchSize⌉: optimizer steps per epoch. */
    public static int stepsPerEpoch(int examples, int batchSize) {
        if (examples < 0 || batchSize < 1) {
            throw new IllegalArgumentException("need examples >= 0 and batchSize >= 1, got " + examples + ", "
                    + batchSize);
        }
        return (examples + batchSize - 1) / batchSize;
    }

    public int stepsPerEpoch() {
        return stepsPerEpoch(train.size(), batchSize);
    }

    /** Optimizer steps of the whole run: epochs × stepsPerEpoch. */
    public long totalSteps() {
        return (long) epochs * stepsPerEpoch();
    }

    public MultiLayerNetwork network() {
        return network;
    }

    /** Runs all epochs; see the class Javadoc. */
    public TrainingResult run() {
        final long runStart = System.nanoTime();
        final int stepsPerEpoch = stepsPerEpoch();
        final TrainingPlan plan = new TrainingPlan(train.size(), test == null ? 0 : test.size(), batchSize,
                stepsPerEpoch, epochs, optimizer.toString());
        listeners.forEach(l -> l.onStart(plan));
        final Random rng = new Random(seed);
        final List<EpochSummary> summaries = new ArrayList<>(epochs);
        long steps = 0;
        long skipped = 0;
        try (Gsam gsam = new Gsam(network, optimizer)) {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                final int[] order = shuffle ? permutation(train.size(), rng) : null;
                final long epochStart = System.nanoTime();
                long examples = 0;
                long correct = 0;
                long epochSkipped = 0;
                double lossSum = 0;
                double gapSum = 0;
                long counted = 0;
                for (int s = 0; s < stepsPerEpoch; s++) {
                    int from = s * batchSize;
                    int to = Math.min(train.size(), from + batchSize);
                    DataSet batch = train.batch(order, from, to, outputs);
                    int[] labels = train.labels(order, from, to);
                    StepResult r = gsam.step(batch);
                    int right = (int) countCorrect(r.prediction(), labels);
                    examples += labels.length;
                    correct += right;
                    if (r.skipped()) {
                        epochSkipped++;
                    } else {
                        lossSum += r.cleanLoss();
                        gapSum += r.surrogateGap();
                        counted++;
                    }
                    EpochStats soFar = new EpochStats(s + 1, epochSkipped, examples, correct,
                            counted == 0 ? Double.NaN : lossSum / counted, counted == 0 ? Double.NaN : gapSum / counted,
                            System.nanoTime() - epochStart);
                    StepEvent event = new StepEvent(epoch, epochs, s + 1, stepsPerEpoch, r, right, soFar);
                    for (TrainerListener l : listeners) {
                        l.onStep(event);
                    }
                }
                steps += stepsPerEpoch;
                skipped += epochSkipped;
                network.incrementEpochCount();
                EpochStats stats = new EpochStats(stepsPerEpoch, epochSkipped, examples, correct,
                        counted == 0 ? Double.NaN : lossSum / counted, counted == 0 ? Double.NaN : gapSum / counted,
                        System.nanoTime() - epochStart);
                Accuracy testAccuracy = test == null ? null : evaluate(network, test, evalBatchSize);
                EpochSummary summary = new EpochSummary(epoch, epochs, stats, testAccuracy);
                summaries.add(summary);
                listeners.forEach(l -> l.onEpochEnd(summary));
            }
        }
        TrainingResult result = new TrainingResult(steps, skipped, summaries, (System.nanoTime() - runStart) / 1e9);
        listeners.forEach(l -> l.onFinish(result));
        return result;
    }

    /**
     * Accuracy of {@code net}'s argmax predictions on {@code data}, in batches of {@code batchSize} (inference
     * mode: no dropout, BatchNorm running statistics).
     */
    public static Accuracy evaluate(MultiLayerNetwork net, LabeledData data, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        int outputs = NetworkInfo.outputSize(net).orElseThrow(() -> new IllegalArgumentException(
                "the network's last layer is not an output layer"));
        long correct = 0;
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            DataSet batch = data.batch(null, from, to, Math.max(outputs, data.numClasses()));
            INDArray out = net.output(batch.getFeatures(), false);
            correct += countCorrect(out, data.labels(null, from, to));
        }
        return new Accuracy(correct, data.size());
    }

    private static int[] permutation(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /** Builder; each setter validates its own value, {@link #build()} the rules across fields. */
    public static final class Builder {
        private MultiLayerNetwork network;
        private GsamConfig optimizer;
        private LabeledData train;
        private LabeledData test;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int epochs = DEFAULT_EPOCHS;
        private boolean shuffle = DEFAULT_SHUFFLE;
        private long seed = DEFAULT_SEED;
        private int evalBatchSize = DEFAULT_EVAL_BATCH_SIZE;
        private final List<TrainerListener> listeners = new ArrayList<>();

        private Builder() {}

        /** The network to train, initialised (its updater is the base optimizer). Required. */
        public Builder network(MultiLayerNetwork network) {
            this.network = Objects.requireNonNull(network, "network");
            return this;
        }

        /** The GSAM configuration (use ρ = 0 for the plain base optimizer). Required. */
        public Builder optimizer(GsamConfig optimizer) {
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
            return this;
        }

        /** Training data; at least one example. Required. */
        public Builder trainData(LabeledData train) {
            Objects.requireNonNull(train, "train");
            if (train.size() == 0) {
                throw new IllegalArgumentException("training data " + train.source() + " has no examples");
            }
            this.train = train;
            return this;
        }

        /** Held-out data, evaluated after every epoch; {@code null} for none. */
        public Builder testData(LabeledData test) {
            this.test = test;
            return this;
        }

        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        public Builder epochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        /** Whether to visit the training data in a fresh random order each epoch (default) or in file order. */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Seeds the shuffling. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder evalBatchSize(int evalBatchSize) {
            if (evalBatchSize < 1) {
                throw new IllegalArgumentException("evalBatchSize must be >= 1, got " + evalBatchSize);
            }
            this.evalBatchSize = evalBatchSize;
            return this;
        }

        public Builder listener(TrainerListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * @throws IllegalStateException if the network, optimizer or training data is missing
         * @throws InvalidInputException if the data does not fit the network (feature count, labels beyond its
         *     outputs)
         */
        public OfflineTrainer build() {
            if (network == null) {
                throw new IllegalStateException("network is required");
            }
            if (optimizer == null) {
                throw new IllegalStateException("optimizer is required");
            }
            if (train == null) {
                throw new IllegalStateException("trainData is required");
            }
            int outputs = NetworkInfo.outputSize(network).orElseThrow(() -> new InvalidInputException(
                    "the model's last layer is not an output layer with a loss function"));
            checkFits("training data", train, outputs);
            if (test != null) {
                checkFits("test data", test, outputs);
            }
            return new OfflineTrainer(this, outputs);
        }

        private void checkFits(String role, LabeledData data, int outputs) {
            OptionalInt inputs = NetworkInfo.inputSize(network);
            if (inputs.isPresent() && inputs.getAsInt() != data.numFeatures()) {
                throw new InvalidInputException(role + " " + data.source() + " has " + data.numFeatures()
                        + " features per example but the model takes " + inputs.getAsInt());
            }
            int maxLabel = data.maxLabel();
            if (maxLabel >= outputs) {
                throw new InvalidInputException(role + " " + data.source() + " has label " + maxLabel
                        + " but the model has only " + outputs + " outputs (classes 0.." + (outputs - 1) + ")");
            }
        }
    }
}
