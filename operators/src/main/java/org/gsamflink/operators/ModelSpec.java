package org.gsamflink.operators;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.GsamConfig;
import org.gsamflink.optimizer.PerturbationMode;
import org.gsamflink.optimizer.schedule.Schedulers;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a model id trains: the network (a DL4J {@code MultiLayerConfiguration} or {@code
 * ComputationGraphConfiguration} as JSON), its input width and class count, the GSAM settings with their schedules
 * (in the {@link Schedulers} grammar) and how single examples are batched. Immutable and validated; {@link
 * Serializable} only because Flink ships operators to the task managers this way (it is never part of state).
 *
 * <pre>{@code
 * ModelSpec spec = ModelSpec.builder()
 *     .networkConfigJson(conf.toJson()).numFeatures(784).numClasses(10)
 *     .alpha(0.4).rho("proportion:lrMax=0.05,lrMin=0.0005,rhoMax=0.1,rhoMin=0.02")
 *     .lrSchedule("cosine:max=0.05,min=0.0005,T=10000")
 *     .batchSize(64).batchTimeoutMs(1000)
 *     .build();
 * }</pre>
 */
public final class ModelSpec implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_BATCH_SIZE = 64;
    public static final long DEFAULT_BATCH_TIMEOUT_MS = 0;
    public static final String DEFAULT_RHO = "constant:0.05";

    private final String networkConfigJson;
    private final boolean graph;
    private final int numFeatures;
    private final int numClasses;
    private final double alpha;
    private final String rho;
    private final String lrSchedule;
    private final PerturbationMode perturbation;
    private final boolean minimizeFp;
    private final long seed;
    private final int batchSize;
    private final long batchTimeoutMs;
    private final String fingerprint;

    private ModelSpec(Builder b) {
        this.networkConfigJson = b.networkConfigJson;
        this.graph = b.graph;
        this.numFeatures = b.numFeatures;
        this.numClasses = b.numClasses;
        this.alpha = b.alpha;
        this.rho = b.rho;
        this.lrSchedule = b.lrSchedule;
        this.perturbation = b.perturbation;
        this.minimizeFp = b.minimizeFp;
        this.seed = b.seed;
        this.batchSize = b.batchSize;
        this.batchTimeoutMs = b.batchTimeoutMs;
        this.fingerprint = sha256(networkConfigJson);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** ρ's scheduler spec, as given to {@link Builder#rho(String)}. */
    public String rhoSpec() {
        return rho;
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

    public long batchTimeoutMs() {
        return batchTimeoutMs;
    }

    public double alpha() {
        return alpha;
    }

    /** SHA-256 of the network configuration: state written for one architecture is never loaded into another. */
    public String architectureFingerprint() {
        return fingerprint;
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
        GsamConfig.Builder b = GsamConfig.builder()
                .alpha(alpha)
                .rhoScheduler(Schedulers.parseRho(rho))
                .perturbation(perturbation)
                .minimizeFp(minimizeFp)
                .seed(seed);
        if (lrSchedule != null) {
            b.lrScheduler(Schedulers.parse(lrSchedule));
        }
        return b.build();
    }

    @Override
    public String toString() {
        return "ModelSpec{" + (graph ? "graph" : "multilayer") + ", features=" + numFeatures + ", classes="
                + numClasses + ", alpha=" + alpha + ", rho=" + rho + ", lr=" + (lrSchedule == null ? "updater" : lrSchedule)
                + ", perturbation=" + perturbation.name().toLowerCase() + ", minimizeFp=" + minimizeFp
                + ", batchSize=" + batchSize + ", batchTimeoutMs=" + batchTimeoutMs + '}';
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Builder: setters check their own value, {@link #build()} the rules across fields. */
    public static final class Builder {
        private String networkConfigJson;
        private boolean graph;
        private int numFeatures = -1;
        private int numClasses = -1;
        private double alpha = GsamConfig.DEFAULT_ALPHA;
        private String rho = DEFAULT_RHO;
        private String lrSchedule;
        private PerturbationMode perturbation = GsamConfig.DEFAULT_PERTURBATION;
        private boolean minimizeFp = GsamConfig.DEFAULT_MINIMIZE_FP;
        private long seed = GsamConfig.DEFAULT_SEED;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private long batchTimeoutMs = DEFAULT_BATCH_TIMEOUT_MS;

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
            if (numFeatures <= 0) {
                throw new IllegalArgumentException("numFeatures must be > 0, got " + numFeatures);
            }
            this.numFeatures = numFeatures;
            return this;
        }

        public Builder numClasses(int numClasses) {
            if (numClasses < 2) {
                throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
            }
            this.numClasses = numClasses;
            return this;
        }

        public Builder alpha(double alpha) {
            GsamConfig.builder().alpha(alpha);   // one place for the rule
            this.alpha = alpha;
            return this;
        }

        /** ρ as a scheduler spec, e.g. {@code constant:0.05} or {@code proportion:lrMax=…,rhoMax=…}. */
        public Builder rho(String spec) {
            Schedulers.parseRho(spec);
            this.rho = spec;
            return this;
        }

        /** The lr schedule spec, or null to keep the network's own updater learning rate. */
        public Builder lrSchedule(String spec) {
            if (spec != null) {
                Schedulers.parse(spec);
            }
            this.lrSchedule = spec;
            return this;
        }

        public Builder perturbation(PerturbationMode mode) {
            this.perturbation = Objects.requireNonNull(mode, "perturbation");
            return this;
        }

        public Builder minimizeFp(boolean minimizeFp) {
            this.minimizeFp = minimizeFp;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
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
