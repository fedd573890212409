package org.gsamflink.modelstore;

import java.io.IOException;

/**
 * Thrown when a complete version's files do not match its {@code _COMPLETE} manifest (length or SHA-256), or its
 * metadata names another model id or version.
 */
public final class CorruptVersionException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptVersionException(String message) {
        super(message);
    }

    public CorruptVersionException(String message, Throwable cause) {
        super(message, cause);
    }
}
