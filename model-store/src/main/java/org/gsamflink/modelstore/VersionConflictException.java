package org.gsamflink.modelstore;

import java.io.IOException;

/**
 * Thrown by {@link ModelStore#publish(ModelVersion)} when a complete version with the same id and number but
 * different model or optimizer bytes already exists. Retrying cannot succeed.
 */
public final class VersionConflictException extends IOException {
    private static final long serialVersionUID = 1L;

    public VersionConflictException(String message) {
        super(message);
    }
}
