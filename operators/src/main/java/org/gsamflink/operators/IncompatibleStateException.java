package org.gsamflink.operators;

/**
 * The saved state of one or more models cannot be loaded into the configured network: its layout (layer types,
 * parameter shapes, parameter type, updater state) differs. Thrown from the training operator's {@code open()},
 * wrapped in Flink's {@code SuppressRestartsException}: restarting cannot help, so the job fails once, at start,
 * with this message (it names the models and the configuration keys), instead of restarting forever.
 */
public final class IncompatibleStateException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public IncompatibleStateException(String message) {
        super(message);
    }
}
