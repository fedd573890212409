package org.gsamflink.operators;

import org.gsamflink.modelstore.ModelStore;

import java.io.Serializable;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Where a model that has no Flink state yet takes its starting point from: a version in a {@link ModelStore}, the
 * latest one ({@link #latest}) or a named one ({@link #version}). The store's optimizer state restores the
 * parameters, the updater state, the step counter and the schedulers, so training continues at the stored step.
 * Models whose id has no version in the store start fresh. Immutable and serializable.
 *
 * <pre>{@code
 * TrainingOptions.builder().warmStart(WarmStart.latest("s3://bucket/models")).build();
 * }</pre>
 */
public final class WarmStart implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String storeRoot;
    /** The version to start from, or -1 for the latest. */
    private final long version;

    private WarmStart(String storeRoot, long version) {
        Objects.requireNonNull(storeRoot, "storeRoot must not be null");
        if (storeRoot.isBlank()) {
            throw new IllegalArgumentException("storeRoot must not be blank");
        }
        this.storeRoot = storeRoot;
        this.version = version;
    }

    /** Start each model from its latest version in the store at {@code storeRoot}. */
    public static WarmStart latest(String storeRoot) {
        return new WarmStart(storeRoot, -1);
    }

    /** Start each model from {@code version} in the store at {@code storeRoot}; a model without it fails. */
    public static WarmStart version(String storeRoot, long version) {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0 but was " + version);
        }
        return new WarmStart(storeRoot, version);
    }

    public String storeRoot() {
        return storeRoot;
    }

    /** The named version; empty for the latest. */
    public OptionalLong version() {
        return version < 0 ? OptionalLong.empty() : OptionalLong.of(version);
    }

    /** Opens the store (read-only use: retention settings do not matter). */
    ModelStore openStore() {
        return ModelStore.builder().root(storeRoot).build();
    }

    @Override
    public String toString() {
        return "WarmStart{store=" + storeRoot + ", version=" + (version < 0 ? "latest" : Long.toString(version)) + '}';
    }
}
