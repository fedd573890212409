package org.gsamflink.pipeline.model;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.optimizer.LossLabelSmoothedMCXENT;
import org.gsamflink.pipeline.InvalidInputException;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Builds the initialised DL4J network for a {@link NetworkSpec}: the built-in MLP and CNN with the configured base
 * updater, weight decay and label-smoothed cross-entropy, or a user's {@code MultiLayerConfiguration} JSON as is
 * (it brings its own updater and loss). {@link #load(Path)} restores a network saved with {@code ModelSerializer}.
 *
 * <pre>{@code
 * MultiLayerNetwork net = ModelFactory.builder().updater(UpdaterKind.NESTEROVS).learningRate(0.1).momentum(0.9)
 *     .labelSmoothing(0.1).seed(42).build().create(NetworkSpec.parse("mlp:784-256-10"));
 * }</pre>
 *
 * The learning rate set here is only the updater's initial one: a {@code GsamConfig} with an lr scheduler
 * overrides it at every step.
 */
public final class ModelFactory {

    public static final UpdaterKind DEFAULT_UPDATER = UpdaterKind.NESTEROVS;
    public static final double DEFAULT_MOMENTUM = 0.9;
    public static final double DEFAULT_WEIGHT_DECAY = 0.0;
    public static final double DEFAULT_LABEL_SMOOTHING = LossLabelSmoothedMCXENT.DEFAULT_SMOOTHING;
    public static final long DEFAULT_SEED = 42L;

    /** Filters of the CNN's two convolutions and units of its dense layer. */
    static final int CNN_FILTERS_1 = 16;
    static final int CNN_FILTERS_2 = 32;
    static final int CNN_DENSE = 128;

    private final UpdaterKind updater;
    private final double learningRate;
    private final double momentum;
    private final double weightDecay;
    private final double labelSmoothing;
    private final long seed;
    private final ModelDataType dataType;

    private ModelFactory(Builder b) {
        this.updater = b.updater;
        this.learningRate = Double.isNaN(b.learningRate) ? b.updater.defaultLearningRate() : b.learningRate;
        this.momentum = b.momentum;
        this.weightDecay = b.weightDecay;
        this.labelSmoothing = b.labelSmoothing;
        this.seed = b.seed;
        this.dataType = b.dataType;
    }

    public static Builder builder() {
        return new Builder();
    }

    public UpdaterKind updater() {
        return updater;
    }

    public double learningRate() {
        return learningRate;
    }

    public double momentum() {
        return momentum;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public double labelSmoothing() {
        return labelSmoothing;
    }

    public long seed() {
        return seed;
    }

    public ModelDataType dataType() {
        return dataType;
    }

    /**
     * An initialised network for {@code spec}.
     *
     * @throws InvalidInputException if a JSON configuration file cannot be read or parsed
     */
    public MultiLayerNetwork create(NetworkSpec spec) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(spec));
        try {
            net.init();
        } catch (RuntimeException e) {
            if (spec instanceof NetworkSpec.ConfigFile file) {
                throw new InvalidInputException(file.path() + ": invalid network configuration (" + firstLine(e)
                        + ")", e);
            }
            throw e;
        }
        return net;
    }

    /** The network configuration for {@code spec}; see {@link #create}. */
    public MultiLayerConfiguration configuration(NetworkSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec instanceof NetworkSpec.Mlp mlp) {
            return mlp(mlp);
        }
        if (spec instanceof NetworkSpec.Cnn cnn) {
            return cnn(cnn);
        }
        return readJson(((NetworkSpec.ConfigFile) spec).path());
    }

    private NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType.nd4j())
                .updater(iUpdater())
                .weightInit(WeightInit.RELU);
    }

    /**
     * Weight decay on a layer's weights (not its biases): decoupled for AdamW, L2 otherwise. Set per layer because
     * DL4J 1.0.0-M2.1 copies a network-wide {@code weightDecay(…)} into every layer twice, doubling the decay.
     */
    private <T extends BaseLayer.Builder<T>> T regularized(T layer) {
        if (weightDecay > 0) {
            if (updater == UpdaterKind.ADAMW) {
                layer.weightDecay(weightDecay, true);
            } else {
                layer.l2(weightDecay);
            }
        }
        return layer;
    }

    /** The DL4J updater configuration of this factory. */
    public IUpdater iUpdater() {
        return switch (updater) {
            case SGD -> new Sgd(learningRate);
            case NESTEROVS -> new Nesterovs(learningRate, momentum);
            // Adam's default ε = 1e-8 is 0 in float16: a parameter with a zero second moment would get m/0.
            case ADAM, ADAMW -> dataType == ModelDataType.FLOAT16
                    ? new Adam(learningRate, Adam.DEFAULT_ADAM_BETA1_MEAN_DECAY, Adam.DEFAULT_ADAM_BETA2_VAR_DECAY,
                            FLOAT16_ADAM_EPSILON)
                    : new Adam(learningRate);
        };
    }

    /** Adam's ε for float16 models: representable in float16 (whose smallest normal number is 6.1e-5). */
    public static final double FLOAT16_ADAM_EPSILON = 1e-4;

    private ILossFunction loss() {
        return labelSmoothing > 0 ? new LossLabelSmoothedMCXENT(labelSmoothing) : new LossMCXENT();
    }

    private MultiLayerConfiguration mlp(NetworkSpec.Mlp spec) {
        NeuralNetConfiguration.ListBuilder list = base().list();
        List<Integer> sizes = spec.layerSizes();
        int layer = 0;
        for (int i = 1; i < sizes.size() - 1; i++) {
            list.layer(layer++, regularized(new DenseLayer.Builder().nIn(sizes.get(i - 1)).nOut(sizes.get(i))
                    .activation(Activation.RELU)).build());
        }
        list.layer(layer, regularized(new OutputLayer.Builder(loss()).nIn(sizes.get(sizes.size() - 2))
                .nOut(spec.outputSize()).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER)).build());
        return list.build();
    }

    private MultiLayerConfiguration cnn(NetworkSpec.Cnn spec) {
        return base().convolutionMode(ConvolutionMode.Same).list()
                .layer(regularized(new ConvolutionLayer.Builder(3, 3).nOut(CNN_FILTERS_1)
                        .activation(Activation.RELU)).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(regularized(new ConvolutionLayer.Builder(3, 3).nOut(CNN_FILTERS_2)
                        .activation(Activation.RELU)).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(regularized(new DenseLayer.Builder().nOut(CNN_DENSE).activation(Activation.RELU)).build())
                .layer(regularized(new OutputLayer.Builder(loss()).nOut(spec.classes()).activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER)).build())
                .setInputType(InputType.convolutionalFlat(spec.input().height(), spec.input().width(),
                        spec.input().channels()))
                .build();
    }

    private static MultiLayerConfiguration readJson(Path file) {
        String json;
        try {
            if (isZip(file)) {
                throw new InvalidInputException(file + ": is a saved model (zip), not a configuration JSON; start "
                        + "from it with --init");
            }
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        try {
            return MultiLayerConfiguration.fromJson(json);
        } catch (RuntimeException e) {
            throw new InvalidInputException(file + ": not a DL4J MultiLayerConfiguration JSON (" + firstLine(e) + ")",
                    e);
        }
    }

    /**
     * Restores a network written by {@code ModelSerializer.writeModel}, with its updater state if saved.
     *
     * @throws InvalidInputException if the file is missing or not a saved {@code MultiLayerNetwork}
     */
    public static MultiLayerNetwork load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file + ": no such file");
        }
        try {
            if (!isZip(file)) {
                throw new InvalidInputException(file + ": not a saved DL4J model (expected a ModelSerializer zip)");
            }
            return ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true);
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidInputException iie) {
                throw iie;
            }
            throw new InvalidInputException(file + ": not a saved DL4J MultiLayerNetwork (" + firstLine(e) + ")", e);
        }
    }

    private static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 'P' && in.read() == 'K';
        }
    }

    private static String firstLine(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = msg.indexOf('\n');
        msg = nl < 0 ? msg : msg.substring(0, nl);
        return msg.length() > 200 ? msg.substring(0, 197) + "..." : msg;
    }

    @Override
    public String toString() {
        return "ModelFactory{updater=" + updater + ", lr=" + learningRate
                + (updater == UpdaterKind.NESTEROVS ? ", momentum=" + momentum : "")
                + ", weightDecay=" + weightDecay + ", labelSmoothing=" + labelSmoothing + ", seed=" + seed + '}';
    }

    /** Builder; each setter validates its own value. */
    public static final class Builder {
        private UpdaterKind updater = DEFAULT_UPDATER;
        private double learningRate = Double.NaN;
        private double momentum = DEFAULT_MOMENTUM;
        private double weightDecay = DEFAULT_WEIGHT_DECAY;
        private double labelSmoothing = DEFAULT_LABEL_SMOOTHING;
        private long seed = DEFAULT_SEED;
        private ModelDataType dataType = ModelDataType.FLOAT32;

        private Builder() {}

        public Builder updater(UpdaterKind updater) {
            this.updater = Objects.requireNonNull(updater, "updater");
            return this;
        }

        /** The updater's initial learning rate (default: {@link UpdaterKind#defaultLearningRate()}); finite, > 0. */
        public Builder learningRate(double learningRate) {
            if (!Double.isFinite(learningRate) || learningRate <= 0) {
                throw new IllegalArgumentException("learningRate must be a finite number > 0, got " + learningRate);
            }
            this.learningRate = learningRate;
            return this;
        }

        /** Nesterov momentum in [0, 1); used by {@link UpdaterKind#NESTEROVS} only. */
        public Builder momentum(double momentum) {
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
            }
            this.momentum = momentum;
            return this;
        }

        /** L2 (or, for AdamW, decoupled) weight decay coefficient; finite, ≥ 0. */
        public Builder weightDecay(double weightDecay) {
            if (!Double.isFinite(weightDecay) || weightDecay < 0) {
                throw new IllegalArgumentException("weightDecay must be a finite number >= 0, got " + weightDecay);
            }
            this.weightDecay = weightDecay;
            return this;
        }

        /** Label smoothing of the cross-entropy in [0, 1); 0 is plain cross-entropy. */
        public Builder labelSmoothing(double labelSmoothing) {
            if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
                throw new IllegalArgumentException("labelSmoothing must be in [0, 1), got " + labelSmoothing);
            }
            this.labelSmoothing = labelSmoothing;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Parameter and gradient type (default {@code float32}); JSON configuration files keep their own. */
        public Builder dataType(ModelDataType dataType) {
            this.dataType = Objects.requireNonNull(dataType, "dataType");
            return this;
        }

        public ModelFactory build() {
            return new ModelFactory(this);
        }
    }
}
