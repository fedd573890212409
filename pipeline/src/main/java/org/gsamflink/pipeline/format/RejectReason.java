package org.gsamflink.pipeline.format;

/**
 * Why a Kafka record was sent to the dead-letter topic. The {@link #code()} is what the dead-letter record's
 * {@code gsam.reason} header and the {@code deadLetters.<code>} counter carry; never rename one.
 */
public enum RejectReason {
    EMPTY("empty"),
    /** Larger than {@code format.max-record-bytes}, or decoding it ran out of memory. */
    OVERSIZED("oversized"),
    INVALID_UTF8("invalid-utf8"),
    MALFORMED_CSV("malformed-csv"),
    MALFORMED_JSON("malformed-json"),
    MISSING_FIELD("missing-field"),
    WRONG_TYPE("wrong-type"),
    BAD_NUMBER("bad-number"),
    BAD_MAGIC("bad-magic"),
    UNSUPPORTED_VERSION("unsupported-version"),
    UNSUPPORTED_DTYPE("unsupported-dtype"),
    TRUNCATED("truncated"),
    TRAILING_BYTES("trailing-bytes"),
    BAD_SHAPE("bad-shape"),
    WRONG_DIMENSION("wrong-dimension"),
    NON_FINITE("non-finite"),
    LABEL_OUT_OF_RANGE("label-out-of-range"),
    BAD_WEIGHT("bad-weight"),
    /** A finite feature or weight beyond its bound ({@code format.max-abs-feature}, {@code format.max-weight}). */
    OUT_OF_RANGE("out-of-range"),
    /** A minibatch record with more rows than {@code format.max-rows-per-record}. */
    TOO_MANY_ROWS("too-many-rows"),
    BAD_MODEL_ID("bad-model-id"),
    UNKNOWN_MODEL("unknown-model"),
    /** A new model id beyond {@code training.max-models}: refused by the training operator, not by decoding. */
    TOO_MANY_MODELS("too-many-models"),
    /** Pending in a savepoint, it does not fit the model spec of the job restored from it (another input width). */
    SPEC_CHANGED("spec-changed"),
    /** Serving: the request's model has no committed version in the store (yet). */
    NO_MODEL("no-model"),
    /** The decoder failed in an unexpected way; the detail names the error. */
    MALFORMED_RECORD("malformed-record");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
