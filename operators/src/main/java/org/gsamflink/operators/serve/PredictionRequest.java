package org.gsamflink.operators.serve;

/**
 * One request of the prediction operator: the features of one example or of a minibatch (row-major
 * {@code rows × numFeatures} float32) for the model {@link #modelId}, with the caller's request id when it gave
 * one, and where it came from (for the dead letters and the latency). A Flink POJO (public fields, no-argument
 * constructor), so streams of it never fall back to Kryo; it is never held in state.
 */
public class PredictionRequest {

    public String modelId;
    /** The caller's id, echoed in every prediction of the request; null when it gave none. */
    public String requestId;
    public int rows;
    public int numFeatures;
    public float[] features;
    /** The Kafka record's timestamp (epoch ms): a prediction's latency is measured from it. */
    public long timestampMs;
    public String sourceTopic;
    public int sourcePartition = -1;
    public long sourceOffset = -1;

    public PredictionRequest() {}

    public PredictionRequest(String modelId, String requestId, int rows, int numFeatures, float[] features) {
        this.modelId = modelId;
        this.requestId = requestId;
        this.rows = rows;
        this.numFeatures = numFeatures;
        this.features = features;
    }

    /** The request with its Kafka coordinates set; returns this. */
    public PredictionRequest from(String topic, int partition, long offset, long timestampMs) {
        this.sourceTopic = topic;
        this.sourcePartition = partition;
        this.sourceOffset = offset;
        this.timestampMs = timestampMs;
        return this;
    }

    @Override
    public String toString() {
        return "PredictionRequest{model=" + modelId + (requestId == null ? "" : ", id=" + requestId) + ", rows="
                + rows + ", features=" + numFeatures + '}';
    }
}
