package org.gsamflink.operators;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.GsamConfig;
import org.gsamflink.optimizer.OptimizerSettings;
import org.gsamflink.optimizer.PerturbationMode;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a model id trains: the network (a DL4J {@code MultiLayerConfiguration} or {@code
 * ComputationGraphConfiguration} as JSON), its input width and class count, the optimizer's {@link
 * OptimizerSettings} and how single examples are batched. Immutable and validated; {@link Serializable} only because
 * Flink ships operators to the task managers this way (it is never part of state).
 *
 * <pre>{@code
 * ModelSpec spec = ModelSpec.builder()
 *     .networkConfigJson(conf.toJson()).numFeatures(784).numClasses(10)
 *     .optimizer(OptimizerSettings.builder().alpha(0.4)
 *         .rho("proportion:lrMax=0.05,lrMin=0.0005,rhoMax=0.1,rhoMin=0.02")
 *         .lrSchedule("cosine:max=0.05,min=0.0005,T=10000").build())
 *     .batchSize(64).batchTimeoutMs(1000)
 *     .build();
 * }</pre>
 *
 * The builder's {@code alpha}, {@code rho}, {@code lrSchedule}, {@code perturbation}, {@code minimizeFp} and {@code
 * seed} set the same settings one at a time. Unlike {@link OptimizerSettings#builder()}, α defaults to {@link
 * GsamConfig#DEFAULT_ALPHA} here.
 */
public final class ModelSpec implements Serializable {

    private static final long serialVersionUID = 3L;

    public static final int DEFAULT_BATCH_SIZE = 64;
    public static final long DEFAULT_BATCH_TIMEOUT_MS = 0;
    public static final String DEFAULT_RHO = OptimizerSettings.DEFAULT_RHO_SPEC;
    public static final double DEFAULT_STANDARDIZE_CLIP = 5.0;

    private final String networkConfigJson;
    private final boolean graph;
    private final int numFeatures;
    private final int numClasses;
    private final OptimizerSettings optimizer;
    private final int batchSize;
    private final long batchTimeoutMs;
    private final String legacyFingerprint;
    private final boolean standardize;
    private final double standardizeClip;
    /** Computed from a throwaway network on first use; not shipped with the spec. */
    private transient volatile NetworkLayout layout;
    private transient volatile String settings;

    private ModelSpec(Builder b) {
        this.networkConfigJson = b.networkConfigJson;
        this.graph = b.graph;
        this.numFeatures = b.numFeatures;
        this.numClasses = b.numClasses;
        this.optimizer = b.optimizer.build();
        this.batchSize = b.batchSize;
        this.batchTimeoutMs = b.batchTimeoutMs;
        this.legacyFingerprint = sha256(networkConfigJson);
        this.standardize = b.standardize;
        this.standardizeClip = b.standardizeClip;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The optimizer's settings. */
    public OptimizerSettings optimizer() {
        return optimizer;
    }

    /** ρ's scheduler spec, as given to {@link Builder#rho(String)}. */
    public String rhoSpec() {
        return optimizer.rhoSpec();
    }

    public String networkConfigJson() {
        return networkConfigJson;
    }

    public int numFeatures() {
        return numFeatures;
    }

    public int numClasses() {
        return numClasses;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Whether the model standardizes its input ({@link FeatureStandardizer}). */
    public boolean standardize() {
        return standardize;
    }

    /** The standardization clip in standard deviations; 0 for none. */
    public double standardizeClip() {
        return standardizeClip;
    }

    /** Empty statistics for this model's input, when it standardizes; null otherwise. */
    public FeatureStandardizer newStandardizer() {
        return standardize ? new FeatureStandardizer(numFeatures, standardizeClip) : null;
    }

    public long batchTimeoutMs() {
        return batchTimeoutMs;
    }

    public double alpha() {
        return optimizer.alpha();
    }

    /**
     * The {@link NetworkLayout} of this spec's network, encoded: what a model's saved state must match to be
     * loaded into it (layer types, parameter shapes and type, updater state). Hyperparameters are not part of it.
     */
    public String architectureFingerprint() {
        return layout().encode();
    }

    /** What release 0.1.0 stored as the fingerprint: SHA-256 of the whole configuration JSON. */
    String legacyFingerprint() {
        return legacyFingerprint;
    }

    NetworkLayout layout() {
        describeNetwork();
        return layout;
    }

    /** {@link ModelSettings#describe} of this spec. */
    String settings() {
        describeNetwork();
        return settings;
    }

    private void describeNetwork() {
        if (layout == null) {
            Model network = newNetwork();
            settings = ModelSettings.describe(this, network);
            layout = NetworkLayout.of(network);
        }
    }

    /** A new, initialised network (weights from the configuration's seed). */
    public Model newNetwork() {
        if (graph) {
            ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(networkConfigJson));
            g.init();
            return g;
        }
        MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(networkConfigJson));
        net.init();
        return net;
    }

    /** The optimizer configuration (built anew: scheduler objects are not shared between models). */
    public GsamConfig gsamConfig() {
        return optimizer.toGsamConfig();
    }

    @Override
    public String toString() {
        return "ModelSpec{" + (graph ? "graph" : "multilayer") + ", features=" + numFeatures + ", classes="
                + numClasses + ", alpha=" + optimizer.alpha() + ", rho=" + optimizer.rhoSpec() + ", lr="
                + (optimizer.lrSchedule() == null ? "updater" : optimizer.lrSchedule())
                + ", perturbation=" + optimizer.perturbation().name().toLowerCase()
                + ", minimizeFp=" + optimizer.minimizeFp()
                + ", batchSize=" + batchSize + ", batchTimeoutMs=" + batchTimeoutMs
                + (standardize ? ", standardize=clip " + standardizeClip : "") + '}';
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rule for a model's input width, shared with the record validation: {@code numFeatures > 0}. */
    public static int checkNumFeatures(int numFeatures) {
        if (numFeatures <= 0) {
            throw new IllegalArgumentException("numFeatures must be > 0, got " + numFeatures);
        }
        return numFeatures;
    }

    /** The rule for a model's class count, shared with the record validation: {@code numClasses >= 2}. */
    public static int checkNumClasses(int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
        }
        return numClasses;
    }

    /** Builder: setters check their own value, {@link #build()} the rules across fields. */
    public static final class Builder {
        private String networkConfigJson;
        private boolean graph;
        private int numFeatures = -1;
        private int numClasses = -1;
        private OptimizerSettings.Builder optimizer = OptimizerSettings.builder().alpha(GsamConfig.DEFAULT_ALPHA);
        private int batchSize = DEFAULT_BATCH_SIZE;
        private long batchTimeoutMs = DEFAULT_BATCH_TIMEOUT_MS;
        private boolean standardize;
        private double standardizeClip = DEFAULT_STANDARDIZE_CLIP;

        private Builder() {}

        /** A MultiLayerConfiguration or ComputationGraphConfiguration JSON; checked by parsing it. */
        public Builder networkConfigJson(String json) {
            Objects.requireNonNull(json, "networkConfigJson");
            // DL4J's fromJson ignores unknown properties, so "{}" parses as an empty network: check what was read.
            try {
                MultiLayerConfiguration mlc = MultiLayerConfiguration.fromJson(json);
                if (mlc.getConfs() == null || mlc.getConfs().isEmpty()) {
                    throw new IllegalStateException("a MultiLayerConfiguration without layers");
                }
                this.graph = false;
            } catch (RuntimeException notMultiLayer) {
                try {
                    ComputationGraphConfiguration.fromJson(json).validate();
                    this.graph = true;
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("networkConfigJson is neither a DL4J MultiLayerConfiguration nor "
                            + "a ComputationGraphConfiguration: " + e.getMessage(), e);
                }
            }
            this.networkConfigJson = json;
            return this;
        }

        public Builder network(MultiLayerConfiguration conf) {
            return networkConfigJson(conf.toJson());
        }

        public Builder network(ComputationGraphConfiguration conf) {
            return networkConfigJson(conf.toJson());
        }

        public Builder numFeatures(int numFeatures) {
            this.numFeatures = checkNumFeatures(numFeatures);
            return this;
        }

        public Builder numClasses(int numClasses) {
            this.numClasses = checkNumClasses(numClasses);
            return this;
        }

        /** All optimizer settings at once; the single-setting setters below then change these. */
        public Builder optimizer(OptimizerSettings settings) {
            this.optimizer = settings.toBuilder();
            return this;
        }

        /** See {@link OptimizerSettings.Builder#alpha}. */
        public Builder alpha(double alpha) {
            optimizer.alpha(alpha);
            return this;
        }

        /** ρ as a scheduler spec, e.g. {@code constant:0.05} or {@code proportion:lrMax=…,rhoMax=…}. */
        public Builder rho(String spec) {
            optimizer.rho(spec);
            return this;
        }

        /** The lr schedule spec, or null to keep the network's own updater learning rate. */
        public Builder lrSchedule(String spec) {
            optimizer.lrSchedule(spec);
            return this;
        }

        public Builder perturbation(PerturbationMode mode) {
            optimizer.perturbation(mode);
            return this;
        }

        public Builder minimizeFp(boolean minimizeFp) {
            optimizer.minimizeFp(minimizeFp);
            return this;
        }

        public Builder seed(long seed) {
            optimizer.seed(seed);
            return this;
        }

        public Builder batchSize(int batchSize) {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Flush a partial batch this long after its first example arrived; 0 waits for a full batch. */
        public Builder batchTimeoutMs(long batchTimeoutMs) {
            if (batchTimeoutMs < 0) {
                throw new IllegalArgumentException("batchTimeoutMs must be >= 0, got " + batchTimeoutMs);
            }
            this.batchTimeoutMs = batchTimeoutMs;
            return this;
        }

        /** Standardize the input online ({@link FeatureStandardizer}); off by default. */
        public Builder standardize(boolean standardize) {
            this.standardize = standardize;
            return this;
        }

        /** Clip standardized values to ± this many standard deviations; 0 for none (default {@value #DEFAULT_STANDARDIZE_CLIP}). */
        public Builder standardizeClip(double clip) {
            this.standardizeClip = FeatureStandardizer.checkClip(clip);
            return this;
        }

        public ModelSpec build() {
            if (networkConfigJson == null) {
                throw new IllegalStateException("networkConfigJson is required");
            }
            if (numFeatures < 0 || numClasses < 0) {
                throw new IllegalStateException("numFeatures and numClasses are required");
            }
            return new ModelSpec(this);
        }
    }
}
