package org.gsamflink.operators.serve;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of the prediction operator: the model store it serves from, how often it looks for new committed
 * versions, which model ids it serves and the {@link VersionGate}. Immutable and serializable; built with {@link
 * #builder()}, each setter checks its own value.
 *
 * <pre>{@code
 * ServingOptions.builder().storeRoot("s3://bucket/models").pollInterval(Duration.ofSeconds(1))
 *         .gate(VersionGate.maxAccuracyDrop(0.02)).build();
 * }</pre>
 */
public final class ServingOptions implements Serializable {

    private static final long serialVersionUID = 1L;
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    private final String storeRoot;
    private final long pollIntervalMs;
    /** null: every model id in the store. */
    private final Set<String> modelIds;
    private final VersionGate gate;

    private ServingOptions(Builder b) {
        this.storeRoot = b.storeRoot;
        this.pollIntervalMs = b.pollIntervalMs;
        this.modelIds = b.modelIds;
        this.gate = b.gate;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String storeRoot() {
        return storeRoot;
    }

    public long pollIntervalMs() {
        return pollIntervalMs;
    }

    /** Whether this model id is served (every valid id unless a set was given). */
    public boolean serves(String modelId) {
        return modelIds == null || modelIds.contains(modelId);
    }

    public VersionGate gate() {
        return gate;
    }

    @Override
    public String toString() {
        return "ServingOptions{store=" + storeRoot + ", poll=" + pollIntervalMs + " ms, models="
                + (modelIds == null ? "all" : modelIds) + ", " + gate + '}';
    }

    public static final class Builder {
        private String storeRoot;
        private long pollIntervalMs = DEFAULT_POLL_INTERVAL.toMillis();
        private Set<String> modelIds;
        private VersionGate gate = VersionGate.none();

        private Builder() {}

        /** The model store whose committed versions are served. Required. */
        public Builder storeRoot(String storeRoot) {
            Objects.requireNonNull(storeRoot, "storeRoot must not be null");
            if (storeRoot.isBlank()) {
                throw new IllegalArgumentException("storeRoot must not be blank");
            }
            this.storeRoot = storeRoot;
            return this;
        }

        /** How often the store's {@code LATEST} pointers are read (> 0). */
        public Builder pollInterval(Duration interval) {
            Objects.requireNonNull(interval, "pollInterval must not be null");
            if (interval.toMillis() <= 0) {
                throw new IllegalArgumentException("pollInterval must be at least 1 ms, got " + interval);
            }
            this.pollIntervalMs = interval.toMillis();
            return this;
        }

        /** Serve only these model ids (null: all). */
        public Builder modelIds(Set<String> modelIds) {
            if (modelIds != null && modelIds.isEmpty()) {
                throw new IllegalArgumentException("modelIds must not be empty (null serves every model)");
            }
            this.modelIds = modelIds == null ? null : Set.copyOf(modelIds);
            return this;
        }

        public Builder gate(VersionGate gate) {
            this.gate = Objects.requireNonNull(gate, "gate must not be null");
            return this;
        }

        /** @throws IllegalStateException without a store root */
        public ServingOptions build() {
            if (storeRoot == null) {
                throw new IllegalStateException("ServingOptions needs a storeRoot");
            }
            return new ServingOptions(this);
        }
    }
}
