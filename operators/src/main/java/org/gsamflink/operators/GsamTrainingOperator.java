package org.gsamflink.operators;

import org.apache.flink.api.common.state.ListState;
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
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.modelstore.NoSuchVersionException;
import org.gsamflink.optimizer.Gsam;
import org.gsamflink.optimizer.GsamState;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    private transient ValueState<ModelState> modelState;
    private transient ListState<TrainingRecord> pendingExamples;
    private transient ValueState<Integer> pendingCount;
    private transient ValueState<Long> pendingDeadline;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient LinkedHashMap<String, LiveModel> live;
    private transient Map<String, ModelMetrics> modelMetrics;
    private transient Counter invalidRecords;
    private transient Counter evictions;
    private transient ModelStore warmStore;

    public GsamTrainingOperator(ModelSpecResolver specs, TrainingOptions options) {
        this.specs = specs;
        this.options = options;
    }

    @Override
    public void open() throws Exception {
        super.open();
        // Before any network of this subtask exists: ND4J places arrays on the creating thread's device.
        options.devicePlacement().bindCurrentThread(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        modelState = getRuntimeContext().getState(TrainingStateDescriptors.model());
        pendingExamples = getRuntimeContext().getListState(TrainingStateDescriptors.pendingExamples());
        pendingCount = getRuntimeContext().getState(TrainingStateDescriptors.pendingCount());
        pendingDeadline = getRuntimeContext().getState(TrainingStateDescriptors.pendingDeadline());
        timers = getInternalTimerService("gsam-batch-timeout", VoidNamespaceSerializer.INSTANCE, this);
        live = new LinkedHashMap<>(16, 0.75f, true);
        modelMetrics = new HashMap<>();
        invalidRecords = getMetricGroup().counter("invalidRecords");
        evictions = getMetricGroup().counter("evictions");
        getMetricGroup().gauge("liveModels", () -> live.size());
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
        pendingExamples.add(r);
        Integer count = pendingCount.value();
        int n = (count == null ? 0 : count) + r.rows;
        pendingCount.update(n);
        // The record that starts a batch (one or several rows) sets its deadline.
        if ((count == null || count == 0) && spec.batchTimeoutMs() > 0) {
            long deadline = getProcessingTimeService().getCurrentProcessingTime() + spec.batchTimeoutMs();
            pendingDeadline.update(deadline);
            timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, deadline);
        }
        if (n >= spec.batchSize()) {
            flushPending(key, spec);
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        Long deadline = pendingDeadline.value();
        // A timer of a batch that already filled up finds no deadline, or a later one of the next batch.
        if (deadline != null && deadline <= timer.getTimestamp()) {
            String key = timer.getKey();
            flushPending(key, specs.specFor(key));
        }
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
        // Batching is by count and processing time only.
    }

    private void flushPending(String key, ModelSpec spec) throws Exception {
        List<TrainingRecord> records = new ArrayList<>();
        for (TrainingRecord r : pendingExamples.get()) {
            records.add(r);
        }
        pendingExamples.clear();
        pendingCount.clear();
        pendingDeadline.clear();
        if (records.isEmpty()) {
            return;
        }
        int rows = 0;
        boolean weighted = false;
        for (TrainingRecord r : records) {
            rows += r.rows;
            weighted |= r.weights != null;
        }
        int nf = spec.numFeatures();
        float[] features = new float[rows * nf];
        int[] labels = new int[rows];
        float[] weights = weighted ? new float[rows] : null;
        int at = 0;
        for (TrainingRecord r : records) {
            System.arraycopy(r.features, 0, features, at * nf, r.rows * nf);
            System.arraycopy(r.labels, 0, labels, at, r.rows);
            if (weighted) {
                for (int i = 0; i < r.rows; i++) {
                    weights[at + i] = r.weights == null ? 1f : r.weights[i];
                }
            }
            at += r.rows;
        }
        train(key, spec, rows, features, labels, weights);
    }

    private void train(String key, ModelSpec spec, int rows, float[] features, int[] labels, float[] weights)
            throws Exception {
        LiveModel m = liveModel(key, spec);
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
        long correct = countCorrect(r.prediction(), labels);
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

    private static long countCorrect(INDArray predictions, int[] labels) {
        if (predictions == null) {
            return 0;
        }
        long[] predicted = predictions.argMax(1).toLongVector();
        long correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                correct++;
            }
        }
        return correct;
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
        snap.optimizerState = m.gsam.exportState();
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

    /** The live network of {@code key} (the current key), loaded from state or created on its first record. */
    private LiveModel liveModel(String key, ModelSpec spec) throws Exception {
        LiveModel m = live.get(key);
        if (m != null) {
            return m;
        }
        ModelState stored = modelState.value();
        Model network = spec.newNetwork();
        Gsam gsam = new Gsam(network, spec.gsamConfig());
        ModelState state;
        if (stored == null) {
            state = new ModelState();
            state.architectureFingerprint = spec.architectureFingerprint();
            if (options.warmStart() != null) {
                warmStart(key, network, gsam, state);
            }
        } else {
            if (stored.architectureFingerprint != null
                    && !stored.architectureFingerprint.equals(spec.architectureFingerprint())) {
                throw new IllegalStateException("the state of model '" + key + "' was trained with another network "
                        + "architecture than the configured one; start it under a new model id or restore a matching "
                        + "configuration");
            }
            state = stored.copy();
            if (state.optimizerState != null) {
                gsam.restoreState(GsamState.decode(state.optimizerState));
            }
        }
        m = new LiveModel(network, gsam, state);
        evictIfFull();
        live.put(key, m);
        return m;
    }

    /**
     * Starts a model that has no state from its version in the warm-start store, when the store has one: restores
     * parameters, updater state, step and schedulers, so the model continues at the stored step.
     */
    private void warmStart(String key, Model network, Gsam gsam, ModelState state) throws IOException {
        WarmStart ws = options.warmStart();
        if (!ModelIds.isValid(key) || warmStore().listVersions(key).isEmpty()) {
            return;
        }
        ModelVersion version;
        if (ws.version().isPresent()) {
            try {
                version = warmStore().read(key, ws.version().getAsLong());
            } catch (NoSuchVersionException e) {
                throw new IllegalStateException("cannot warm-start model '" + key + "': " + ws + " names a version "
                        + "the store does not have (it has " + warmStore().listVersions(key) + ")", e);
            }
        } else {
            Optional<ModelVersion> latest = warmStore().readLatest(key);
            if (latest.isEmpty()) {
                return;
            }
            version = latest.get();
        }
        GsamState restored = GsamState.decode(version.optimizerState());
        if (restored.numParams() != network.params().length()) {
            throw new IllegalStateException("cannot warm-start model '" + key + "' from " + ws + ": version "
                    + version.version() + " has " + restored.numParams() + " parameters but the configured network "
                    + "has " + network.params().length() + "; it belongs to another architecture");
        }
        gsam.restoreState(restored);
        state.lastSnapshotStep = gsam.stepCount();
        if (version.metadata().metrics().get("examplesSeen") instanceof Number n) {
            state.examplesSeen = n.longValue();
        }
        LOG.info("Model {}: warm-started from {} version {} at step {}", key, ws.storeRoot(), version.version(),
                gsam.stepCount());
    }

    private ModelStore warmStore() {
        if (warmStore == null) {
            warmStore = options.warmStart().openStore();
        }
        return warmStore;
    }

    private void evictIfFull() throws Exception {
        if (live.size() < options.maxLiveModels()) {
            return;
        }
        Iterator<Map.Entry<String, LiveModel>> it = live.entrySet().iterator();
        Map.Entry<String, LiveModel> eldest = it.next();
        Object current = getCurrentKey();
        setCurrentKey(eldest.getKey());
        try {
            writeBack(eldest.getValue());
        } finally {
            setCurrentKey(current);
        }
        eldest.getValue().gsam.close();
        it.remove();
        evictions.inc();
    }

    /** Writes a live model into keyed state under the current key. */
    private void writeBack(LiveModel m) throws Exception {
        if (m.dirty) {
            m.state.optimizerState = m.gsam.exportState();
            // A copy: the live object keeps changing, the state object must not.
            modelState.update(m.state.copy());
            m.dirty = false;
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        Object current = getCurrentKey();
        try {
            for (Map.Entry<String, LiveModel> e : live.entrySet()) {
                if (e.getValue().dirty) {
                    setCurrentKey(e.getKey());
                    writeBack(e.getValue());
                }
            }
        } finally {
            if (current != null) {
                setCurrentKey(current);
            }
        }
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
        modelKeys.addAll(live.keySet());
        long now = getProcessingTimeService().getCurrentProcessingTime();
        for (String key : modelKeys) {
            setCurrentKey(key);
            ModelSpec spec = specs.specFor(key);
            LiveModel m = liveModel(key, spec);
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
            writeBack(m);
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
            for (LiveModel m : live.values()) {
                m.gsam.close();
            }
            live.clear();
        }
        super.close();
    }

    private ModelMetrics metricsFor(String key) {
        return modelMetrics.computeIfAbsent(key, k -> new ModelMetrics(getMetricGroup().addGroup("model", k)));
    }

    /** A model's live ND4J network, its optimizer, and the in-memory copy of its keyed state. */
    private static final class LiveModel {
        final Model network;
        final Gsam gsam;
        final ModelState state;
        final DataType dataType;
        boolean dirty;

        LiveModel(Model network, Gsam gsam, ModelState state) {
            this.network = network;
            this.gsam = gsam;
            this.state = state;
            this.dataType = network.params().dataType();
        }
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
