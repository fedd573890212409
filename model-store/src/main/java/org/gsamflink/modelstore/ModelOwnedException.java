package org.gsamflink.modelstore;

import java.io.IOException;

/**
 * A writer that is not the owner of a model id in a store tried to write it: another job claimed the model id
 * ({@link ModelOwnership}). Retrying does not help; the message names the model, the owner and what to do.
 */
public final class ModelOwnedException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String modelId;
    private final String owner;

    public ModelOwnedException(String modelId, String owner, String message) {
        super(message);
        this.modelId = modelId;
        this.owner = owner;
    }

    public String modelId() {
        return modelId;
    }

    /** The owner recorded in the store. */
    public String owner() {
        return owner;
    }
}
