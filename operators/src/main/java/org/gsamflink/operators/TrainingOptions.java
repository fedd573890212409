package org.gsamflink.operators;

import java.io.Serializable;

/** How the training operator reports and snapshots; immutable, validated. */
public final class TrainingOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_METRICS_EVERY_STEPS = 1;
    public static final long DEFAULT_SNAPSHOT_EVERY_STEPS = 0;
    public static final long DEFAULT_SNAPSHOT_INTERVAL_MS = 0;
    public static final boolean DEFAULT_SNAPSHOT_AT_END = true;
    public static final int DEFAULT_MAX_LIVE_MODELS = 64;
    /** Model ids a job trains at most (all subtasks together); see {@link #maxModelsPerSubtask(int)}. */
    public static final int DEFAULT_MAX_MODELS = 10_000;
    /** Models per subtask that get their own Flink metric group. */
    public static final int DEFAULT_MAX_MODEL_METRIC_GROUPS = 1_000;
    /** MOA's default for its fading-factor evaluator: an example's weight halves after ~693 newer ones. */
    public static final double DEFAULT_FADING_FACTOR = 0.999;

    private final int metricsEverySteps;
    private final long snapshotEverySteps;
    private final long snapshotIntervalMs;
    private final boolean snapshotAtEnd;
    private final int maxLiveModels;
    private final int maxModels;
    private final int maxModelMetricGroups;
    private final double fadingFactor;
    private final WarmStart warmStart;
    private final String snapshotStoreRoot;
    private final DevicePlacement devicePlacement;
    private final DriftReaction onDrift;

    private TrainingOptions(Builder b) {
        this.metricsEverySteps = b.metricsEverySteps;
        this.snapshotEverySteps = b.snapshotEverySteps;
        this.snapshotIntervalMs = b.snapshotIntervalMs;
        this.snapshotAtEnd = b.snapshotAtEnd;
        this.maxLiveModels = b.maxLiveModels;
        this.maxModels = b.maxModels;
        this.maxModelMetricGroups = b.maxModelMetricGroups;
        this.fadingFactor = b.fadingFactor;
        this.warmStart = b.warmStart;
        this.snapshotStoreRoot = b.snapshotStoreRoot;
        this.devicePlacement = b.devicePlacement;
        this.onDrift = b.onDrift;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static TrainingOptions defaults() {
        return builder().build();
    }

    public int metricsEverySteps() {
        return metricsEverySteps;
    }

    public long snapshotEverySteps() {
        return snapshotEverySteps;
    }

    public long snapshotIntervalMs() {
        return snapshotIntervalMs;
    }

    public boolean snapshotAtEnd() {
        return snapshotAtEnd;
    }

    public int maxLiveModels() {
        return maxLiveModels;
    }

    /** Model ids the job trains at most, all subtasks together (default {@value #DEFAULT_MAX_MODELS}). */
    public int maxModels() {
        return maxModels;
    }

    /**
     * The new model ids one of {@code parallelism} subtasks admits: {@code ceil(maxModels / parallelism)}. Keys are
     * hashed uniformly onto subtasks, so each one sees about its share of the ids; a fixed share needs no
     * coordination between subtasks and depends only on the subtask's own keyed state, so it holds across restarts
     * and rescaling (the admitted ids are counted from keyed state on restore). The job as a whole admits at most
     * {@code parallelism} ids more than {@code maxModels}, and, with skewed ids, may refuse some before reaching it.
     */
    public int maxModelsPerSubtask(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        }
        return (int) ((maxModels + (long) parallelism - 1) / parallelism);
    }

    /**
     * Models of a subtask that get a Flink metric group {@code model=<id>} (the first ones to train); the others are
     * counted in the operator-wide metrics only. Flink cannot remove a registered group, so this bounds them.
     */
    public int maxModelMetricGroups() {
        return maxModelMetricGroups;
    }

    /** The fading factor α of the prequential statistics ({@link FadingPrequential}); 1 = cumulative. */
    public double fadingFactor() {
        return fadingFactor;
    }

    /** Where models without state start from; null (the default) = a freshly initialised network. */
    public WarmStart warmStart() {
        return warmStart;
    }

    /**
     * The model store the snapshots are published to, whose versions a new model's numbering continues
     * ({@link StoreNumbering}); null (the default) numbers versions by step alone.
     */
    public String snapshotStoreRoot() {
        return snapshotStoreRoot;
    }

    /** Which ND4J device each training subtask binds to (default {@link DevicePlacement#AUTO}). */
    public DevicePlacement devicePlacement() {
        return devicePlacement;
    }

    /** What a model's drift alarm does besides alerting (default {@link DriftReaction#NONE}). */
    public DriftReaction onDrift() {
        return onDrift;
    }

    public static final class Builder {
        private int metricsEverySteps = DEFAULT_METRICS_EVERY_STEPS;
        private long snapshotEverySteps = DEFAULT_SNAPSHOT_EVERY_STEPS;
        private long snapshotIntervalMs = DEFAULT_SNAPSHOT_INTERVAL_MS;
        private boolean snapshotAtEnd = DEFAULT_SNAPSHOT_AT_END;
        private int maxLiveModels = DEFAULT_MAX_LIVE_MODELS;
        private int maxModels = DEFAULT_MAX_MODELS;
        private int maxModelMetricGroups = DEFAULT_MAX_MODEL_METRIC_GROUPS;
        private double fadingFactor = DEFAULT_FADING_FACTOR;
        private WarmStart warmStart;
        private String snapshotStoreRoot;
        private DevicePlacement devicePlacement = DevicePlacement.AUTO;
        private DriftReaction onDrift = DriftReaction.NONE;

        private Builder() {}

        /** Emit one metrics record per this many steps of a model (means over them); 1 = every step. */
        public Builder metricsEverySteps(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("metricsEverySteps must be >= 1, got " + n);
            }
            this.metricsEverySteps = n;
            return this;
        }

        /** Snapshot a model every this many steps; 0 = off. */
        public Builder snapshotEverySteps(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("snapshotEverySteps must be >= 0, got " + n);
            }
            this.snapshotEverySteps = n;
            return this;
        }

        /** Snapshot a model that trained if this much processing time passed since its last snapshot; 0 = off. */
        public Builder snapshotIntervalMs(long ms) {
            if (ms < 0) {
                throw new IllegalArgumentException("snapshotIntervalMs must be >= 0, got " + ms);
            }
            this.snapshotIntervalMs = ms;
            return this;
        }

        /** Snapshot every model that trained since its last snapshot when a bounded input ends. */
        public Builder snapshotAtEnd(boolean b) {
            this.snapshotAtEnd = b;
            return this;
        }

        /** At most this many models keep live ND4J networks; the rest live only in Flink state. */
        public Builder maxLiveModels(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxLiveModels must be >= 1, got " + n);
            }
            this.maxLiveModels = n;
            return this;
        }

        /**
         * Train at most this many model ids (all subtasks together); records of further new ids go to the side
         * output {@link GsamTrainingOperator#REJECTED} ({@code too-many-models}).
         */
        public Builder maxModels(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxModels must be >= 1, got " + n);
            }
            this.maxModels = n;
            return this;
        }

        /** At most this many models per subtask get their own Flink metric group; 0 = none. */
        public Builder maxModelMetricGroups(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxModelMetricGroups must be >= 0, got " + n);
            }
            this.maxModelMetricGroups = n;
            return this;
        }

        /**
         * The fading factor α of the fading prequential accuracy and kappa ({@link FadingPrequential}), in (0, 1]:
         * 1 weighs every example alike (the cumulative accuracy); 0 would forget all but the newest example.
         */
        public Builder fadingFactor(double alpha) {
            if (!(alpha > 0 && alpha <= 1)) {
                throw new IllegalArgumentException("fading factor must be in (0, 1], got " + alpha);
            }
            this.fadingFactor = alpha;
            return this;
        }

        /** Start models that have no state yet from a model store; null = from scratch (the default). */
        public Builder warmStart(WarmStart warmStart) {
            this.warmStart = warmStart;
            return this;
        }

        /**
         * The root of the model store the snapshots go to: a model that starts without state while the store holds
         * versions of its id (from an earlier job) numbers its versions after them, so they stay newest.
         */
        public Builder snapshotStoreRoot(String root) {
            if (root != null && root.isBlank()) {
                throw new IllegalArgumentException("snapshotStoreRoot must not be blank");
            }
            this.snapshotStoreRoot = root;
            return this;
        }

        /** Device binding of the training subtasks on multi-GPU TaskManagers. */
        public Builder devicePlacement(DevicePlacement placement) {
            this.devicePlacement = java.util.Objects.requireNonNull(placement, "devicePlacement");
            return this;
        }

        /** The reaction to a model's drift alarm ({@code training.on-drift}). */
        public Builder onDrift(DriftReaction reaction) {
            this.onDrift = java.util.Objects.requireNonNull(reaction, "onDrift");
            return this;
        }

        public TrainingOptions build() {
            return new TrainingOptions(this);
        }
    }
}
