package org.gsamflink.operators.serve;

/**
 * A request the prediction operator did not answer, with why (the side output {@link ServingFunction#REJECTED}):
 * no committed version of its model yet ({@link #NO_MODEL}), or features that do not fit the model's input
 * ({@link #WRONG_DIMENSION}). The job turns it into a dead letter. A Flink POJO.
 */
public class RejectedRequest {

    /** The codes are the dead-letter reasons of the pipeline's {@code RejectReason}: never rename one. */
    public static final String NO_MODEL = "no-model";
    public static final String WRONG_DIMENSION = "wrong-dimension";

    public PredictionRequest request;
    public String reason;
    public String detail;

    public RejectedRequest() {}

    public RejectedRequest(PredictionRequest request, String reason, String detail) {
        this.request = request;
        this.reason = reason;
        this.detail = detail;
    }
}
