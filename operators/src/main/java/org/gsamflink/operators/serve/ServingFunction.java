package org.gsamflink.operators.serve;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.gsamflink.operators.TrainingAlert;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prediction operator, keyed by model id: answers every row of a request with the newest committed version of
 * its model that the {@link ModelWatcher} has loaded (one prediction per row, naming the version), and sends a
 * request it cannot answer to {@link #REJECTED} with its reason: no committed version yet, or another feature
 * count than the model takes. Versions the {@link VersionGate} refused are reported on {@link #ALERTS}.
 *
 * <p>State: none in Flink. What it serves is the store's newest committed versions, which {@code open()} loads
 * before the first record, so a restarted job answers with the newest committed version at once; the source's
 * offsets say which requests are still to be answered.
 */
public final class ServingFunction extends KeyedProcessFunction<String, PredictionRequest, Prediction> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ServingFunction.class);

    public static final OutputTag<RejectedRequest> REJECTED = new OutputTag<>("gsam-rejected-requests") {};
    public static final OutputTag<TrainingAlert> ALERTS = new OutputTag<>("gsam-serving-alerts") {};
    /** The alert reason of a version the gate refused. */
    public static final String VERSION_REFUSED = "version-refused";

    private final ServingOptions options;

    private transient ModelWatcher watcher;
    private transient Counter predictions;
    private transient Counter noModel;
    private transient Counter wrongDimension;
    private transient Counter refusedVersions;
    private transient long rejected;

    public ServingFunction(ServingOptions options) {
        this.options = options;
    }

    @Override
    public void open(OpenContext ctx) {
        RuntimeContext rc = getRuntimeContext();
        int subtask = rc.getTaskInfo().getIndexOfThisSubtask();
        int parallelism = rc.getTaskInfo().getNumberOfParallelSubtasks();
        int maxParallelism = rc.getTaskInfo().getMaxNumberOfParallelSubtasks();
        // The model ids keyBy routes here: the others are loaded by the subtasks they go to.
        watcher = new ModelWatcher(options,
                id -> KeyGroupRangeAssignment.assignKeyToParallelOperator(id, maxParallelism, parallelism) == subtask,
                System::currentTimeMillis);
        watcher.start("gsam-model-watcher-" + subtask);
        MetricGroup g = rc.getMetricGroup();
        predictions = g.counter("predictions");
        noModel = g.counter("requestsWithoutModel");
        wrongDimension = g.counter("requestsWrongDimension");
        refusedVersions = g.counter("refusedVersions");
        g.gauge("servedModels", () -> watcher.servedModels());
        g.gauge("swaps", () -> watcher.swaps());
        g.gauge("lastSwapDelayMs", () -> watcher.lastSwapDelayMs());
        LOG.info("Serving subtask {}: {} model(s) loaded from {}", subtask, watcher.servedModels(), options);
    }

    @Override
    public void processElement(PredictionRequest r, Context ctx, Collector<Prediction> out) {
        for (ModelWatcher.Refusal refusal : watcher.drainRefusals()) {
            refusedVersions.inc();
            ctx.output(ALERTS, alert(refusal));
        }
        ServedModel model = watcher.currentOrLoad(r.modelId);
        if (model == null) {
            noModel.inc();
            reject(ctx, r, RejectedRequest.NO_MODEL, "no committed version of model '" + r.modelId + "' in "
                    + options.storeRoot() + " yet");
            return;
        }
        if (r.numFeatures != model.numFeatures()) {
            wrongDimension.inc();
            reject(ctx, r, RejectedRequest.WRONG_DIMENSION, r.numFeatures + " features, model '" + r.modelId
                    + "' version " + model.version() + " takes " + model.numFeatures());
            return;
        }
        ServedModel.Output answer = model.predict(r.features, r.rows);
        float[][] probabilities = answer.probabilities();
        long now = System.currentTimeMillis();
        for (int row = 0; row < probabilities.length; row++) {
            Prediction p = new Prediction();
            p.requestId = r.requestId;
            p.modelId = r.modelId;
            p.modelVersion = model.version();
            p.row = row;
            p.probabilities = probabilities[row];
            p.predictedClass = answer.classes()[row];
            p.latencyMs = r.timestampMs > 0 ? Math.max(0, now - r.timestampMs) : -1;
            p.sourceTopic = r.sourceTopic;
            p.sourcePartition = r.sourcePartition;
            p.sourceOffset = r.sourceOffset;
            out.collect(p);
        }
        predictions.inc(probabilities.length);
    }

    private void reject(Context ctx, PredictionRequest r, String reason, String detail) {
        rejected++;
        if (rejected <= 10 || rejected % 1000 == 0) {
            LOG.warn("Request not answered: {}: {} ({} so far)", reason, detail, rejected);
        }
        ctx.output(REJECTED, new RejectedRequest(r, reason, detail));
    }

    private static TrainingAlert alert(ModelWatcher.Refusal refusal) {
        return new TrainingAlert(refusal.modelId(), refusal.version(), VERSION_REFUSED, TrainingAlert.KEPT_SERVING,
                "version " + refusal.version() + " not served, version " + refusal.servingVersion() + " stays: "
                        + refusal.reason(), refusal.atMs());
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
    }
}
