package org.gsamflink.modelstore;

/** Outcome of {@link ModelStore#publish(ModelVersion)}. */
public enum PublishResult {
    /** The version was written and is now visible. */
    PUBLISHED,
    /** A complete version with the same model and optimizer bytes already existed; nothing was written. */
    ALREADY_EXISTS
}
