package org.gsamflink.pipeline.format;

/**
 * A record that cannot be trained on: expected bad input, so it carries no stack trace (it becomes a dead letter,
 * not a log entry with a trace).
 */
public final class RecordRejectedException extends Exception {

    private static final long serialVersionUID = 1L;
    private final RejectReason reason;

    /** {@code detail} is kept as {@link Details#oneLine}: one line of at most 256 characters. */
    public RecordRejectedException(RejectReason reason, String detail) {
        super(Details.oneLine(detail), null, false, false);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }

    /** {@code reason-code: detail}, as written to the dead-letter header. */
    public String describe() {
        return reason.code() + ": " + getMessage();
    }
}
