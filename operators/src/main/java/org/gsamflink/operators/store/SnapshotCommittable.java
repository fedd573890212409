package org.gsamflink.operators.store;

import java.util.Objects;

/**
 * What {@link ModelStoreSink}'s writer hands to its committer for one staged snapshot: which model version it is,
 * the checkpoint it belongs to, and the staging directory that holds its files. Small by design: the bytes stay in
 * the staging directory, only its path travels through Flink's checkpoints.
 */
public final class SnapshotCommittable {

    private final String modelId;
    private final long version;
    private final long checkpointId;
    private final String stagingPath;

    public SnapshotCommittable(String modelId, long version, long checkpointId, String stagingPath) {
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.version = version;
        this.checkpointId = checkpointId;
        this.stagingPath = Objects.requireNonNull(stagingPath, "stagingPath");
    }

    public String modelId() {
        return modelId;
    }

    public long version() {
        return version;
    }

    /** The checkpoint whose completion makes this version visible. */
    public long checkpointId() {
        return checkpointId;
    }

    /** The staging directory (a URI string) with the version's model, optimizer state and metadata. */
    public String stagingPath() {
        return stagingPath;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SnapshotCommittable)) {
            return false;
        }
        SnapshotCommittable c = (SnapshotCommittable) o;
        return version == c.version && checkpointId == c.checkpointId && modelId.equals(c.modelId)
                && stagingPath.equals(c.stagingPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelId, version, checkpointId, stagingPath);
    }

    @Override
    public String toString() {
        return "SnapshotCommittable{model=" + modelId + ", version=" + version + ", checkpoint=" + checkpointId
                + ", staging=" + stagingPath + '}';
    }
}
