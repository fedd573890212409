package org.gsamflink.modelstore;

import java.io.IOException;

/**
 * Thrown by {@link ModelStore#publishStaged} when the staged files of a version are gone and the store has neither
 * that version nor a newer one: the staging directory was deleted before it was published. Retrying cannot
 * succeed.
 */
public final class StagedVersionMissingException extends IOException {

    private static final long serialVersionUID = 1L;

    public StagedVersionMissingException(String message) {
        super(message);
    }
}
