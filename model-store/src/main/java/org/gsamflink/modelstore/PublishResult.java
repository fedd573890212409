package org.gsamflink.modelstore;

/** Outcome of {@link ModelStore#publish(ModelVersion)} and {@link ModelStore#publishStaged(StagedVersion)}. */
public enum PublishResult {
    /** The version was written and is now visible. */
    PUBLISHED,
    /** A complete version with the same model and optimizer bytes already existed; nothing was written. */
    ALREADY_EXISTS,
    /**
     * Only from {@link ModelStore#publishStaged}: the staged files are gone and the store has the version, or a
     * newer one (retention may have removed it since): an earlier call published it. Nothing was written.
     */
    ALREADY_COMMITTED
}
