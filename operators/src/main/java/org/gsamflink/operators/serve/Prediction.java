package org.gsamflink.operators.serve;

/**
 * One answer of the prediction operator: the class the model version {@link #modelVersion} predicts for row
 * {@link #row} of a request, the class probabilities, and the latency from the request's Kafka timestamp to the
 * moment the prediction was made. A Flink POJO.
 */
public class Prediction {

    public String requestId;
    public String modelId;
    public long modelVersion;
    /** The row within the request (0 for a single example). */
    public int row;
    public int predictedClass;
    public float[] probabilities;
    public long latencyMs;
    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;

    public Prediction() {}

    @Override
    public String toString() {
        return "Prediction{model=" + modelId + " v" + modelVersion + (requestId == null ? "" : ", id=" + requestId)
                + ", row=" + row + ", class=" + predictedClass + ", latency=" + latencyMs + " ms}";
    }
}
