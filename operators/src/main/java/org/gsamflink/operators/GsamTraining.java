package org.gsamflink.operators;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Wires the training operator into a job:
 * <pre>{@code
 * GsamTraining.Streams out = GsamTraining.train(records, ModelSpecResolver.single(spec), TrainingOptions.defaults());
 * out.metrics().print();
 * out.snapshots().sinkTo(modelStoreSink);
 * }</pre>
 */
public final class GsamTraining {

    /** The operator's uid: keep it stable, savepoints map state to operators by it. */
    public static final String UID = "gsam-training";

    private GsamTraining() {}

    /** The training outputs: metrics and model snapshots. */
    public record Streams(SingleOutputStreamOperator<StepMetrics> metrics, DataStream<ModelSnapshot> snapshots) {}

    public static Streams train(DataStream<TrainingRecord> records, ModelSpecResolver specs, TrainingOptions options) {
        SingleOutputStreamOperator<StepMetrics> metrics = records
                .keyBy(r -> r.modelId, Types.STRING)
                .transform("GSAM training", TypeInformation.of(StepMetrics.class),
                        new GsamTrainingOperator(specs, options))
                .uid(UID)
                .name("GSAM training");
        return new Streams(metrics, metrics.getSideOutput(GsamTrainingOperator.SNAPSHOTS));
    }
}
