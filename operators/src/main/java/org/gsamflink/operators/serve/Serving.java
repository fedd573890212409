package org.gsamflink.operators.serve;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.gsamflink.operators.TrainingAlert;

/**
 * Wires the prediction operator into a job:
 * <pre>{@code
 * Serving.Streams out = Serving.serve(requests, ServingOptions.builder().storeRoot(root).build());
 * out.predictions().sinkTo(predictionsSink);
 * }</pre>
 */
public final class Serving {

    /** The operator's uid: keep it stable, savepoints map operators by it. */
    public static final String UID = "gsam-serving";

    private Serving() {}

    /** The serving outputs: predictions, unanswered requests and the gate's refusals. */
    public record Streams(SingleOutputStreamOperator<Prediction> predictions, DataStream<RejectedRequest> rejected,
                          DataStream<TrainingAlert> alerts) {}

    public static Streams serve(DataStream<PredictionRequest> requests, ServingOptions options) {
        SingleOutputStreamOperator<Prediction> predictions = requests
                .keyBy(r -> r.modelId, Types.STRING)
                .process(new ServingFunction(options))
                .uid(UID)
                .name("Predict");
        return new Streams(predictions, predictions.getSideOutput(ServingFunction.REJECTED),
                predictions.getSideOutput(ServingFunction.ALERTS));
    }
}
