package org.gsamflink.modelstore;

import java.io.Serializable;
import java.util.Objects;

/**
 * A handle on a version written into a store's staging area by {@link ModelStore#stage} and not yet published:
 * the model id, the version number and the location of its staging directory (a URI string). Small by design, so
 * a two-phase writer can keep it in a checkpoint and hand it to {@link ModelStore#publishStaged} later, after a
 * restart too; callers need not know anything about the staging layout. Immutable.
 */
public final class StagedVersion implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String modelId;
    private final long version;
    private final String location;

    private StagedVersion(String modelId, long version, String location) {
        this.modelId = Objects.requireNonNull(modelId, "modelId must not be null");
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0 but was " + version);
        }
        this.version = version;
        this.location = Objects.requireNonNull(location, "location must not be null");
    }

    /**
     * A handle from its parts, e.g. as kept in a checkpoint: {@code location} is what {@link #location()} returned
     * (or a staging directory of an earlier release, which used the same layout).
     */
    public static StagedVersion of(String modelId, long version, String location) {
        return new StagedVersion(modelId, version, location);
    }

    public String modelId() {
        return modelId;
    }

    public long version() {
        return version;
    }

    /** The staging directory, as a URI string; opaque to callers. */
    public String location() {
        return location;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StagedVersion s && version == s.version && modelId.equals(s.modelId)
                && location.equals(s.location);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelId, version, location);
    }

    @Override
    public String toString() {
        return "StagedVersion{model=" + modelId + ", version=" + version + ", at=" + location + '}';
    }
}
