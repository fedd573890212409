package org.gsamflink.operators;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.Counter;
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
import org.gsamflink.optimizer.Gsam;
import org.gsamflink.optimizer.Predictions;
import org.gsamflink.optimizer.SkipReason;
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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The keyed, stateful GSAM training operator: one model per key (model id). Single examples are assembled into
 * minibatches per key (by count, and by a processing-time timeout if the spec sets one); pre-batched records are
 * trained as they come. Each minibatch is first predicted by the current model (prequential accuracy) and then
 * trained on with one {@link Gsam} step.
 *
 * <p>State: everything that must survive a failure is Flink keyed state with explicit serializers
 * ({@link TrainingStateDescriptors}): the {@link ModelState} (parameters, updater, step, scheduler and RNG state,
 * metric windows) and the pending examples. Live ND4J networks are a bounded LRU cache of that state
 * ({@link TrainingOptions#maxLiveModels()}); a model is written back to state when it is evicted and at every
 * checkpoint, so a restored job continues exactly where the checkpoint was.
 *
 * <p>The work is split in three parts the operator drives from its Flink lifecycle: {@link PendingMinibatches}
 * (pending examples, counts, deadline timers, concatenation), {@link LiveModelCache} (the live networks, their keyed
 * {@link ModelState}, write-back at checkpoints and on eviction) and {@link WarmStart.Loader} (a new model's start
 * from a model store). The operator itself owns no keyed state; it trains, emits metrics and snapshots, and decides
 * when a snapshot is due.
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
 * {@link TrainingAlert}s on {@link #ALERTS}; {@link RejectedRecord}s on {@link #REJECTED}. Flink metrics per model
 * (group {@code model=<id>}, for the first {@link TrainingOptions#maxModelMetricGroups()} models of a subtask:
 * Flink has no way to remove a registered group, so they are bounded instead of released): gauges {@code loss},
 * {@code accuracy}, {@code surrogateGap}, {@code rho}, {@code lr}; counters {@code steps}, {@code examples},
 * {@code skippedSteps}, {@code skippedSteps_<reason>}, {@code rollbacks}. Operator-wide: counters {@code
 * invalidRecords}, {@code evictions}, {@code skippedSteps}, {@code skippedSteps_<reason>}, {@code rollbacks},
 * {@code snapshotsRefused}, {@code alerts}, {@code tooManyModels}; gauges {@code liveModels}, {@code
 * admittedModels}, {@code modelMetricGroups}. Repeated warnings are rate-limited ({@link RateLimitedLog}).
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
    private transient Map<String, ModelMetrics> modelMetrics;
    private transient RateLimitedLog warnings;
    private transient Counter invalidRecords;
    private transient Counter skippedSteps;
    private transient Map<SkipReason, Counter> skippedByReason;
    private transient Counter rollbacks;
    private transient Counter snapshotsRefused;
    private transient Counter alerts;
    private transient Counter tooManyModels;
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
        InternalTimerService<VoidNamespace> timers = getInternalTimerService(
                TrainingStateDescriptors.BATCH_TIMEOUT_TIMERS, VoidNamespaceSerializer.INSTANCE, this);
        pending = new PendingMinibatches(getRuntimeContext(), timers);
        modelMetrics = new HashMap<>();
        warnings = new RateLimitedLog(LOG);
        MetricGroup group = getMetricGroup();
        invalidRecords = group.counter("invalidRecords");
        skippedSteps = group.counter("skippedSteps");
        skippedByReason = new EnumMap<>(SkipReason.class);
        for (SkipReason reason : SkipReason.values()) {
            skippedByReason.put(reason, group.counter(skippedCounterName(reason)));
        }
        rollbacks = group.counter("rollbacks");
        snapshotsRefused = group.counter("snapshotsRefused");
        alerts = group.counter("alerts");
        tooManyModels = group.counter("tooManyModels");
        live = new LiveModelCache(getRuntimeContext(), this, options, group);
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        ValueState<Boolean> admitted = getRuntimeContext().getState(TrainingStateDescriptors.admitted());
        admission = new ModelAdmission(admitted, options.maxModelsPerSubtask(parallelism),
                ModelAdmission.countAdmitted(getKeyedStateBackend()));
        group.gauge("admittedModels", admission::admittedModels);
        group.gauge("modelMetricGroups", modelMetrics::size);
        if (admission.admittedModels() > 0) {
            LOG.info("Restored {} model id(s); this subtask admits up to {} ({} per job over {} subtask(s))",
                    admission.admittedModels(), admission.cap(), options.maxModels(), parallelism);
        }
    }

    /** The name of the counter of steps skipped for {@code reason}: {@code skippedSteps_non-finite-loss}, … */
    static String skippedCounterName(SkipReason reason) {
        return "skippedSteps_" + reason.label();
    }

    @Override
    public void processElement(StreamRecord<TrainingRecord> element) throws Exception {
        TrainingRecord r = element.getValue();
        String key = (String) getCurrentKey();
        ModelSpec spec = specs.specFor(key);
        String problem = r.problem(spec.numFeatures(), spec.numClasses());
        if (problem != null) {
            invalidRecords.inc();
            warnings.warn("invalid-record", "Dropping an invalid record for model {}: {}", key, problem);
            return;
        }
        if (!admission.admit(() -> pending.hasPending() || live.contains(key) || live.hasStoredState())) {
            tooManyModels.inc();
            long now = getProcessingTimeService().getCurrentProcessingTime();
            String detail = "model id '" + key + "' is new and this subtask trains " + admission.cap()
                    + " model ids already (training.max-models = " + options.maxModels() + " per job)";
            output.collect(REJECTED, new StreamRecord<>(new RejectedRecord(key, RejectedRecord.TOO_MANY_MODELS,
                    detail, r.rows, now)));
            warnings.warn(RejectedRecord.TOO_MANY_MODELS, "Not training a record: {}", detail);
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
        Minibatch b = pending.take(spec);
        if (b != null) {
            train(key, spec, b.rows(), b.features(), b.labels(), b.weights());
        }
    }

    private void train(String key, ModelSpec spec, int rows, float[] features, int[] labels, float[] weights)
            throws Exception {
        LiveModel m = live.get(key, spec);
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (m.resetDetail != null) {
            alert(key, m.gsam.stepCount(), "non-finite-restored-state", TrainingAlert.RESET, m.resetDetail, now);
            m.resetDetail = null;
        }
        DataSet batch = toDataSet(spec, m.dataType, rows, features, labels, weights);
        long t0 = System.nanoTime();
        StepResult r = m.gsam.step(batch);
        long nanos = System.nanoTime() - t0;
        m.dirty = true;
        if (afterStep != null) {
            afterStep.accept(key, m.network);
        }
        ModelMetrics mm = metricsFor(key);
        if (r.skipped()) {
            skipped(key, m, mm, r, now);
        }
        String broken = Finiteness.problem(m.network);
        if (broken != null) {
            long badStep = r.step();
            long back = live.rollBack(m);
            rollbacks.inc();
            if (mm != null) {
                mm.rollbacks.inc();
            }
            alert(key, badStep, broken, TrainingAlert.ROLLED_BACK, "the step at " + badStep + " left " + broken
                    + "; rolled back to the last good state at step " + back, now);
            return;
        }
        if (r.skipped()) {
            return;
        }
        long correct = Predictions.countCorrect(r.prediction(), labels);
        ModelState s = m.state;
        s.examplesSeen += rows;
        s.metricsWindow.add(r, correct, nanos);
        s.snapshotWindow.add(r, correct, nanos);
        if (mm != null) {
            mm.update(r, (double) correct / rows, rows);
        }
        long step = m.gsam.stepCount();
        if (s.metricsWindow.steps >= options.metricsEverySteps()) {
            output.collect(new StreamRecord<>(s.metricsWindow.toMetrics(key, step, m.gsam.skippedSteps(), now)));
            s.metricsWindow.reset();
        }
        boolean dueBySteps = options.snapshotEverySteps() > 0 && step - s.lastSnapshotStep >= options.snapshotEverySteps();
        boolean dueByTime = options.snapshotIntervalMs() > 0 && now - s.lastSnapshotTimeMs >= options.snapshotIntervalMs();
        if (dueBySteps || dueByTime) {
            emitSnapshot(key, spec, m, now);
        }
    }

    /** A skipped step: a metrics record of its own with the reason, the counters, a rate-limited warning. */
    private void skipped(String key, LiveModel m, ModelMetrics mm, StepResult r, long now) {
        SkipReason reason = r.skipReason();
        skippedSteps.inc();
        skippedByReason.get(reason).inc();
        if (mm != null) {
            mm.skipped(reason);
        }
        output.collect(new StreamRecord<>(skippedMetrics(key, m.gsam.stepCount(), m.gsam.skippedSteps(), r, now)));
        warnings.warn("skipped:" + reason.label(), "Model {}: skipped the step at {} ({}); the model is unchanged",
                key, r.step(), reason.label());
    }

    static StepMetrics skippedMetrics(String key, long step, long skippedSoFar, StepResult r, long now) {
        StepMetrics sm = new StepMetrics();
        sm.modelId = key;
        sm.step = step;
        sm.steps = 0;
        sm.examples = 0;
        sm.cleanLoss = r.cleanLoss();
        sm.perturbedLoss = r.perturbedLoss();
        sm.surrogateGap = r.surrogateGap();
        sm.accuracy = Double.NaN;
        sm.rho = r.rho();
        sm.lr = r.lr();
        sm.gradNorm = r.gradNorm();
        sm.perturbedGradNorm = r.perturbedGradNorm();
        sm.cosine = r.cosine();
        sm.examplesPerSecond = 0;
        sm.skippedSteps = skippedSoFar;
        sm.skippedReason = r.skipReason().label();
        sm.timestampMs = now;
        return sm;
    }

    private void alert(String key, long step, String reason, String action, String detail, long now) {
        alerts.inc();
        output.collect(ALERTS, new StreamRecord<>(new TrainingAlert(key, step, reason, action, detail, now)));
        warnings.warn(action + ":" + reason, "Model {}: {} ({}): {}", key, action, reason, detail);
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
            snapshotsRefused.inc();
            alert(key, m.gsam.stepCount(), broken, TrainingAlert.SNAPSHOT_REFUSED,
                    "the model at step " + m.gsam.stepCount() + " has " + broken + "; no snapshot emitted", now);
            return;
        }
        ModelSnapshot snap = new ModelSnapshot();
        snap.modelId = key;
        snap.version = m.gsam.stepCount();
        snap.timestampMs = now;
        snap.examplesSeen = m.state.examplesSeen;
        snap.modelBytes = modelBytes(m.network);
        // The parameters and updater state are in modelBytes; the optimizer state adds only the counters.
        snap.optimizerState = m.gsam.exportStateWithoutParameters();
        snap.networkConfigJson = spec.networkConfigJson();
        snap.metricsJson = m.state.snapshotWindow.toJson();
        output.collect(SNAPSHOTS, new StreamRecord<>(snap));
        m.state.lastSnapshotStep = snap.version;
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
                        m.gsam.skippedSteps(), now)));
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

    /** The key's metric group, created for the first {@link TrainingOptions#maxModelMetricGroups()} models; else null. */
    private ModelMetrics metricsFor(String key) {
        ModelMetrics mm = modelMetrics.get(key);
        if (mm == null && modelMetrics.size() < options.maxModelMetricGroups()) {
            mm = new ModelMetrics(getMetricGroup().addGroup("model", key));
            modelMetrics.put(key, mm);
        }
        return mm;
    }

    /** Installs the test hook that runs after every step, before the checks. */
    void afterStepForTests(java.util.function.BiConsumer<String, Model> hook) {
        this.afterStep = hook;
    }

    /** The live network of {@code key} if it is live (for tests). */
    Model liveNetworkForTests(String key) {
        return live.contains(key) ? live.peek(key).network : null;
    }

    /** Models of this subtask with a Flink metric group (for tests). */
    int modelMetricGroups() {
        return modelMetrics.size();
    }

    /** Flink metrics of one model. */
    private static final class ModelMetrics {
        volatile double loss = Double.NaN;
        volatile double accuracy = Double.NaN;
        volatile double gap = Double.NaN;
        volatile double rho = Double.NaN;
        volatile double lr = Double.NaN;
        final Counter steps;
        final Counter examples;
        final Counter skippedSteps;
        final Counter rollbacks;
        private final MetricGroup group;
        private final Map<SkipReason, Counter> skippedByReason = new EnumMap<>(SkipReason.class);

        ModelMetrics(MetricGroup group) {
            this.group = group;
            group.gauge("loss", () -> loss);
            group.gauge("accuracy", () -> accuracy);
            group.gauge("surrogateGap", () -> gap);
            group.gauge("rho", () -> rho);
            group.gauge("lr", () -> lr);
            steps = group.counter("steps");
            examples = group.counter("examples");
            skippedSteps = group.counter("skippedSteps");
            rollbacks = group.counter("rollbacks");
        }

        /** Counts a skipped step; the counter of its reason is registered on first use (a fixed set of six). */
        void skipped(SkipReason reason) {
            skippedSteps.inc();
            skippedByReason.computeIfAbsent(reason, r -> group.counter(skippedCounterName(r))).inc();
        }

        void update(StepResult r, double batchAccuracy, int rows) {
            loss = r.cleanLoss();
            accuracy = batchAccuracy;
            gap = r.surrogateGap();
            rho = r.rho();
            lr = r.lr();
            steps.inc();
            examples.inc(rows);
        }
    }
}
