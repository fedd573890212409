package org.gsamflink.operators;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.operators.LiveModelCache.LiveModel;
import org.gsamflink.operators.PendingMinibatches.Minibatch;
import org.gsamflink.operators.drift.Alarm;
import org.gsamflink.operators.drift.DriftMonitors;
import org.gsamflink.optimizer.Gsam;
import org.gsamflink.optimizer.Predictions;
import org.gsamflink.optimizer.StepResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The keyed, stateful GSAM training operator: one model per key (model id). Single examples are assembled into
 * minibatches per key (by count, and by a processing-time timeout if the spec sets one); pre-batched records are
 * trained as they come. Each minibatch is first predicted by the current model (prequential accuracy, also faded
 * with Cohen's kappa: {@link FadingPrequential}) and then trained on with one {@link Gsam} step.
 *
 * <p>State: everything that must survive a failure is Flink keyed state with explicit serializers
 * ({@link TrainingStateDescriptors}): the {@link ModelState} (parameters, updater, step, scheduler and RNG state,
 * metric windows, fading prequential statistics) and the pending examples. Live ND4J networks are a bounded LRU
 * cache of that state ({@link TrainingOptions#maxLiveModels()}); a model is written back to state when it is
 * evicted and at every checkpoint, so a restored job continues exactly where the checkpoint was.
 *
 * <p>The work is split in parts the operator drives from its Flink lifecycle: {@link PendingMinibatches}
 * (pending examples, counts, deadline timers, concatenation), {@link LiveModelCache} (the live networks, their keyed
 * {@link ModelState}, write-back at checkpoints and on eviction), {@link ModelAdmission} (the cap on model ids),
 * {@link WarmStart.Loader} (a new model's start from a model store) and {@link TrainingEvents} (metrics, alerts,
 * rejected records, skipped-step records and rate-limited warnings). The operator itself owns no keyed state; it
 * trains, emits metrics windows and snapshots, and decides when a snapshot is due.
 *
 * <p>Defence: after every step the model's parameters and updater state are checked ({@link Finiteness}, one
 * reduction each); a model with a NaN or infinite value is rolled back to its last good state (as loaded, last
 * written back, or last snapshotted: {@link LiveModelCache#rollBack}), an alert is emitted and counted. A snapshot is
 * checked again before it is emitted, so no snapshot with a non-finite value ever leaves the operator. Every skipped
 * step gets a metrics record with its {@link StepMetrics#skippedReason}. A subtask trains at most {@link
 * TrainingOptions#maxModelsPerSubtask} model ids ({@link ModelAdmission}); records of further new ids go to {@link
 * #REJECTED}.
 *
 * <p>Outputs: {@link StepMetrics} on the main output; {@link ModelSnapshot}s on the side output {@link #SNAPSHOTS};
 * {@link TrainingAlert}s on {@link #ALERTS}; {@link RejectedRecord}s on {@link #REJECTED}. Flink metrics: per model
 * (group {@code model=<id>}, bounded by {@link TrainingOptions#maxModelMetricGroups()}) and operator-wide, listed in
 * {@link TrainingEvents}; besides those, {@code evictions} and {@code liveModels} ({@link LiveModelCache}) and
 * {@code admittedModels}. Repeated warnings are rate-limited ({@link RateLimitedLog}).
 */
public final class GsamTrainingOperator extends AbstractStreamOperator<StepMetrics>
        implements OneInputStreamOperator<TrainingRecord, StepMetrics>, Triggerable<String, VoidNamespace>,
        BoundedOneInput {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(GsamTrainingOperator.class);

    /** The side output of model snapshots. */
    public static final OutputTag<ModelSnapshot> SNAPSHOTS = new OutputTag<>("gsam-model-snapshots") {};
    /** The side output of alerts: models rolled back, snapshots refused, broken restored state reset. */
    public static final OutputTag<TrainingAlert> ALERTS = new OutputTag<>("gsam-alerts") {};
    /** The side output of records not trained on: new model ids beyond {@code training.max-models}. */
    public static final OutputTag<RejectedRecord> REJECTED = new OutputTag<>("gsam-rejected-records") {};

    private final ModelSpecResolver specs;
    private final TrainingOptions options;

    private transient PendingMinibatches pending;
    private transient LiveModelCache live;
    private transient ModelAdmission admission;
    private transient TrainingEvents events;
    /** Test hook: runs right after every step, before the checks (tests break a model through it); null = none. */
    private transient java.util.function.BiConsumer<String, Model> afterStep;

    public GsamTrainingOperator(ModelSpecResolver specs, TrainingOptions options) {
        this.specs = specs;
        this.options = options;
    }

    @Override
    public void open() throws Exception {
        super.open();
        // Before any network of this subtask exists: ND4J places arrays on the creating thread's device.
        options.devicePlacement().bindCurrentThread(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        // Before any record: a configuration that does not fit the restored state fails the job here, once.
        int checked = RestoreCompatibility.checkAll(getKeyedStateBackend(), specs, LOG);
        if (checked > 0) {
            LOG.info("The saved state of {} model(s) fits the configured networks", checked);
        }
        InternalTimerService<VoidNamespace> timers = getInternalTimerService(
                TrainingStateDescriptors.BATCH_TIMEOUT_TIMERS, VoidNamespaceSerializer.INSTANCE, this);
        pending = new PendingMinibatches(getRuntimeContext(), timers);
        MetricGroup group = getMetricGroup();
        events = new TrainingEvents(group, output, options.maxModelMetricGroups(), LOG);
        live = new LiveModelCache(getRuntimeContext(), this, options, group);
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        ValueState<Boolean> admitted = getRuntimeContext().getState(TrainingStateDescriptors.admitted());
        admission = new ModelAdmission(admitted, options.maxModelsPerSubtask(parallelism),
                ModelAdmission.countAdmitted(getKeyedStateBackend()));
        group.gauge("admittedModels", admission::admittedModels);
        if (admission.admittedModels() > 0) {
            LOG.info("Restored {} model id(s); this subtask admits up to {} ({} per job over {} subtask(s))",
                    admission.admittedModels(), admission.cap(), options.maxModels(), parallelism);
        }
    }

    @Override
    public void processElement(StreamRecord<TrainingRecord> element) throws Exception {
        TrainingRecord r = element.getValue();
        String key = (String) getCurrentKey();
        ModelSpec spec = specs.specFor(key);
        String problem = r.problem(spec.numFeatures(), spec.numClasses());
        if (problem != null) {
            events.invalidRecord(key, problem);
            return;
        }
        if (!admission.admit(() -> pending.hasPending() || live.contains(key) || live.hasStoredState())) {
            long now = getProcessingTimeService().getCurrentProcessingTime();
            String detail = "model id '" + key + "' is new and this subtask trains " + admission.cap()
                    + " model ids already (training.max-models = " + options.maxModels() + " per job)";
            events.tooManyModels(new RejectedRecord(key, RejectedRecord.TOO_MANY_MODELS, detail, r.rows, now));
            return;
        }
        if (r.preBatched) {
            train(key, spec, r.rows, r.features, r.labels, r.weights);
            return;
        }
        if (pending.add(r, spec, getProcessingTimeService().getCurrentProcessingTime())) {
            flushPending(key, spec);
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        if (pending.isDue(timer.getTimestamp())) {
            String key = timer.getKey();
            flushPending(key, specs.specFor(key));
        }
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
        // Batching is by count and processing time only.
    }

    private void flushPending(String key, ModelSpec spec) throws Exception {
        Minibatch b = pending.take(spec, (r, problem) -> events.specChanged(new RejectedRecord(key,
                RejectedRecord.SPEC_CHANGED, "pending from before a restore with another model spec: " + problem,
                r.rows, getProcessingTimeService().getCurrentProcessingTime())));
        if (b != null) {
            train(key, spec, b.rows(), b.features(), b.labels(), b.weights());
        }
    }

    private void train(String key, ModelSpec spec, int rows, float[] features, int[] labels, float[] weights)
            throws Exception {
        LiveModel m = live.get(key, spec);
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (m.resetDetail != null) {
            events.restoredStateReset(key, m.gsam.stepCount(), m.resetDetail, now);
            m.resetDetail = null;
        }
        // Statistics first, then the batch standardized by them; kept only if the step is trained.
        FeatureStandardizer.Update input = m.state.standardizer == null ? null
                : m.state.standardizer.prepare(features, rows);
        DataSet batch = toDataSet(spec, m.dataType, rows, input == null ? features : input.standardized(), labels,
                weights);
        long t0 = System.nanoTime();
        StepResult r = m.gsam.step(batch);
        long nanos = System.nanoTime() - t0;
        m.dirty = true;
        if (afterStep != null) {
            afterStep.accept(key, m.network);
        }
        if (r.skipped()) {
            events.skipped(key, m.gsam.stepCount(), m.gsam.skippedSteps(), r, now);
        }
        String broken = Finiteness.problem(m.network);
        if (broken != null) {
            long badStep = r.step();
            long back = live.rollBack(m);
            events.rolledBack(key, badStep, broken, back, now);
            return;
        }
        if (r.skipped()) {
            return;
        }
        if (input != null) {
            m.state.standardizer.accept(input);
        }
        int[] predicted = Predictions.predictedClasses(r.prediction(), labels.length);
        long correct = Predictions.countCorrectClasses(predicted, labels);
        ModelState s = m.state;
        s.examplesSeen += rows;
        s.metricsWindow.add(r, correct, nanos);
        s.snapshotWindow.add(r, correct, nanos);
        s.fading.add(options.fadingFactor(), predicted, labels);
        long step = m.gsam.stepCount();
        for (Alarm a : s.monitors.add(predicted, labels, r.surrogateGap(), r.cosine())) {
            events.alarmed(key, step, a, react(a, m, spec), now);
        }
        events.trained(key, r, (double) correct / rows, s.fading, step, s.examplesSeen);
        if (s.metricsWindow.steps >= options.metricsEverySteps()) {
            output.collect(new StreamRecord<>(s.metricsWindow.toMetrics(key, step, m.gsam.skippedSteps(), s.fading,
                    now)));
            s.metricsWindow.reset();
        }
        boolean dueBySteps = options.snapshotEverySteps() > 0 && step - s.lastSnapshotStep >= options.snapshotEverySteps();
        boolean dueByTime = options.snapshotIntervalMs() > 0 && now - s.lastSnapshotTimeMs >= options.snapshotIntervalMs();
        if (dueBySteps || dueByTime) {
            emitSnapshot(key, spec, m, now);
        }
    }

    /**
     * Applies {@code training.on-drift} to a drift alarm (sharpness alarms only alert); the action taken. The model
     * was checked finite after this step, so the reacted state becomes its last good one: a later rollback does not
     * undo the reaction.
     */
    private String react(Alarm a, LiveModel m, ModelSpec spec) {
        if (!DriftMonitors.DRIFT.equals(a.detector())) {
            return TrainingAlert.ALARMED;
        }
        DriftReaction reaction = options.onDrift();
        if (reaction != DriftReaction.NONE) {
            if (reaction == DriftReaction.REWARM) {
                live.rewarm(m, spec);
            } else {
                live.resetUpdater(m);
            }
            live.markGood(m);
        }
        return reaction.action();
    }

    static DataSet toDataSet(ModelSpec spec, DataType type, int rows, float[] features, int[] labels, float[] weights) {
        INDArray x = Nd4j.create(features, new long[] {rows, spec.numFeatures()}, 'c');
        INDArray y = Nd4j.zeros(DataType.FLOAT, rows, spec.numClasses());
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, labels[i], 1f);
        }
        // Per-example weights act as a label mask: DL4J multiplies each example's loss and gradient by it.
        INDArray mask = weights == null ? null : Nd4j.create(weights, new long[] {rows, 1}, 'c');
        if (type != DataType.FLOAT) {
            x = x.castTo(type);
            y = y.castTo(type);
            mask = mask == null ? null : mask.castTo(type);
        }
        return new DataSet(x, y, null, mask);
    }

    private void emitSnapshot(String key, ModelSpec spec, LiveModel m, long now) {
        String broken = Finiteness.problem(m.network);
        if (broken != null) {
            events.snapshotRefused(key, m.gsam.stepCount(), broken, now);
            return;
        }
        ModelSnapshot snap = new ModelSnapshot();
        snap.modelId = key;
        snap.version = m.state.versionOffset + m.gsam.stepCount();
        snap.timestampMs = now;
        snap.examplesSeen = m.state.examplesSeen;
        snap.modelBytes = m.state.standardizer == null ? modelBytes(m.network)
                : m.state.standardizer.addTo(modelBytes(m.network));
        // The parameters and updater state are in modelBytes; the optimizer state adds only the counters.
        snap.optimizerState = m.gsam.exportStateWithoutParameters();
        snap.networkConfigJson = spec.networkConfigJson();
        snap.metricsJson = m.state.snapshotWindow.toJson();
        output.collect(SNAPSHOTS, new StreamRecord<>(snap));
        m.state.lastSnapshotStep = m.gsam.stepCount();
        m.state.lastSnapshotTimeMs = now;
        m.state.snapshotWindow.reset();
        m.dirty = true;
        // A rollback never goes behind an emitted snapshot, so no store version is ever emitted twice.
        live.markGood(m);
    }

    static byte[] modelBytes(Model network) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(network, bos, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        live.writeBackAll();
        super.snapshotState(context);
    }

    @Override
    public void endInput() throws Exception {
        // Partial batches are trained, then every model that trained since its last snapshot is snapshotted and
        // its partial metrics window emitted. Keys are sorted so the output order is deterministic.
        TreeSet<String> pendingKeys = keysOf(TrainingStateDescriptors.PENDING_COUNT);
        for (String key : pendingKeys) {
            setCurrentKey(key);
            flushPending(key, specs.specFor(key));
        }
        TreeSet<String> modelKeys = keysOf(TrainingStateDescriptors.MODEL);
        modelKeys.addAll(live.keys());
        long now = getProcessingTimeService().getCurrentProcessingTime();
        for (String key : modelKeys) {
            setCurrentKey(key);
            ModelSpec spec = specs.specFor(key);
            LiveModel m = live.get(key, spec);
            ModelState s = m.state;
            if (!s.metricsWindow.isEmpty()) {
                output.collect(new StreamRecord<>(s.metricsWindow.toMetrics(key, m.gsam.stepCount(),
                        m.gsam.skippedSteps(), s.fading, now)));
                s.metricsWindow.reset();
                m.dirty = true;
            }
            if (options.snapshotAtEnd() && m.gsam.stepCount() > s.lastSnapshotStep) {
                emitSnapshot(key, spec, m, now);
            }
            live.writeBack(m);
        }
        LOG.info("Input ended: {} model(s) finished", modelKeys.size());
    }

    private TreeSet<String> keysOf(String stateName) {
        TreeSet<String> keys = new TreeSet<>();
        try (Stream<String> s = getKeyedStateBackend().<VoidNamespace>getKeys(stateName, VoidNamespace.INSTANCE)
                .map(String.class::cast)) {
            s.forEach(keys::add);
        }
        return keys;
    }

    @Override
    public void close() throws Exception {
        if (live != null) {
            live.close();
        }
        super.close();
    }

    /** Installs the test hook that runs after every step, before the checks. */
    void afterStepForTests(java.util.function.BiConsumer<String, Model> hook) {
        this.afterStep = hook;
    }

    /** The live network of {@code key} if it is live (for tests). */
    Model liveNetworkForTests(String key) {
        return live.contains(key) ? live.peek(key).network : null;
    }

    /** The live optimizer of {@code key} if it is live (for tests). */
    Gsam liveOptimizerForTests(String key) {
        return live.contains(key) ? live.peek(key).gsam : null;
    }

    /** The live input statistics of {@code key}, null when it is not live or does not standardize (for tests). */
    FeatureStandardizer liveStandardizerForTests(String key) {
        return live.contains(key) ? live.peek(key).state.standardizer : null;
    }

    /** Models of this subtask with a Flink metric group (for tests). */
    int modelMetricGroups() {
        return events.modelMetricGroups();
    }
}
