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

    private final int metricsEverySteps;
    private final long snapshotEverySteps;
    private final long snapshotIntervalMs;
    private final boolean snapshotAtEnd;
    private final int maxLiveModels;
    private final WarmStart warmStart;
    private final DevicePlacement devicePlacement;

    private TrainingOptions(Builder b) {
        this.metricsEverySteps = b.metricsEverySteps;
        this.snapshotEverySteps = b.snapshotEverySteps;
        this.snapshotIntervalMs = b.snapshotIntervalMs;
        this.snapshotAtEnd = b.snapshotAtEnd;
        this.maxLiveModels = b.maxLiveModels;
        this.warmStart = b.warmStart;
        this.devicePlacement = b.devicePlacement;
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

    /** Where models without state start from; null (the default) = a freshly initialised network. */
    public WarmStart warmStart() {
        return warmStart;
    }

    /** Which ND4J device each training subtask binds to (default {@link DevicePlacement#AUTO}). */
    public DevicePlacement devicePlacement() {
        return devicePlacement;
    }

    public static final class Builder {
        private int metricsEverySteps = DEFAULT_METRICS_EVERY_STEPS;
        private long snapshotEverySteps = DEFAULT_SNAPSHOT_EVERY_STEPS;
        private long snapshotIntervalMs = DEFAULT_SNAPSHOT_INTERVAL_MS;
        private boolean snapshotAtEnd = DEFAULT_SNAPSHOT_AT_END;
        private int maxLiveModels = DEFAULT_MAX_LIVE_MODELS;
        private WarmStart warmStart;
        private DevicePlacement devicePlacement = DevicePlacement.AUTO;

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

        /** Start models that have no state yet from a model store; null = from scratch (the default). */
        public Builder warmStart(WarmStart warmStart) {
            this.warmStart = warmStart;
            return this;
        }

        /** Device binding of the training subtasks on multi-GPU TaskManagers. */
        public Builder devicePlacement(DevicePlacement placement) {
            this.devicePlacement = java.util.Objects.requireNonNull(placement, "devicePlacement");
            return this;
        }

        public TrainingOptions build() {
            return new TrainingOptions(this);
        }
    }
}
