package org.gsamflink.operators;

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
 * <p>Outputs: {@link StepMetrics} on the main output; {@link ModelSnapshot}s on the side output {@link #SNAPSHOTS}.
 * Flink metrics per model (group {@code model=<id>}): gauges {@code loss}, {@code accuracy}, {@code surrogateGap},
 * {@code rho}, {@code lr}; counters {@code steps}, {@code examples}, {@code skippedSteps}. Operator-wide: counters
 * {@code invalidRecords}, {@code evictions}, gauge {@code liveModels}.
 */
public final class GsamTrainingOperator extends AbstractStreamOperator<StepMetrics>
        implements OneInputStreamOperator<TrainingRecord, StepMetrics>, Triggerable<String, VoidNamespace>,
        BoundedOneInput {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(GsamTrainingOperator.class);

    /** The side output of model snapshots. */
    public static final OutputTag<ModelSnapshot> SNAPSHOTS = new OutputTag<>("gsam-model-snapshots") {};

    private final ModelSpecResolver specs;
    private final TrainingOptions options;

    private transient PendingMinibatches pending;
    private transient LiveModelCache live;
    private transient Map<String, ModelMetrics> modelMetrics;
    private transient Counter invalidRecords;

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
        invalidRecords = getMetricGroup().counter("invalidRecords");
        live = new LiveModelCache(getRuntimeContext(), this, options, getMetricGroup());
    }

    @Override
    public void processElement(StreamRecord<TrainingRecord> element) throws Exception {
        TrainingRecord r = element.getValue();
        String key = (String) getCurrentKey();
        ModelSpec spec = specs.specFor(key);
        String problem = r.problem(spec.numFeatures(), spec.numClasses());
        if (problem != null) {
            invalidRecords.inc();
            if (invalidRecords.getCount() <= 10 || invalidRecords.getCount() % 1000 == 0) {
                LOG.warn("Dropping an invalid record for model {}: {} ({} invalid so far)", key, problem,
                        invalidRecords.getCount());
            }
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
        DataSet batch = toDataSet(spec, m.dataType, rows, features, labels, weights);
        long t0 = System.nanoTime();
        StepResult r = m.gsam.step(batch);
        long nanos = System.nanoTime() - t0;
        m.dirty = true;
        ModelMetrics mm = metricsFor(key);
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (r.skipped()) {
            mm.skippedSteps.inc();
            LOG.warn("Model {}: skipped step {} (non-finite loss or gradient); the model is unchanged", key, r.step());
            return;
        }
        long correct = Predictions.countCorrect(r.prediction(), labels);
        ModelState s = m.state;
        s.examplesSeen += rows;
        s.metricsWindow.add(r, correct, nanos);
        s.snapshotWindow.add(r, correct, nanos);
        mm.update(r, (double) correct / rows, rows);
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

    private ModelMetrics metricsFor(String key) {
        return modelMetrics.computeIfAbsent(key, k -> new ModelMetrics(getMetricGroup().addGroup("model", k)));
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

        ModelMetrics(MetricGroup group) {
            group.gauge("loss", () -> loss);
            group.gauge("accuracy", () -> accuracy);
            group.gauge("surrogateGap", () -> gap);
            group.gauge("rho", () -> rho);
            group.gauge("lr", () -> lr);
            steps = group.counter("steps");
            examples = group.counter("examples");
            skippedSteps = group.counter("skippedSteps");
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
