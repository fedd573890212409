package org.gsamflink.modelstore;

import java.io.FileNotFoundException;

/** Thrown when a model version is not in the store or is not complete (not yet, or no longer, visible). */
public final class NoSuchVersionException extends FileNotFoundException {
    private static final long serialVersionUID = 1L;

    public NoSuchVersionException(String message) {
        super(message);
    }
}
