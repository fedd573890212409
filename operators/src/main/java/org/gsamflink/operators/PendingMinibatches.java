package org.gsamflink.operators;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.InternalTimerService;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Assembles the single-example records of the current key into minibatches for {@link GsamTrainingOperator}: by
 * count ({@link ModelSpec#batchSize()}), and by a processing-time deadline when the spec sets {@link
 * ModelSpec#batchTimeoutMs()}.
 *
 * <p>State it owns, all Flink keyed state of the current key, declared in {@link TrainingStateDescriptors}: the
 * pending records ({@code gsam-pending-examples}), their row count ({@code gsam-pending-count}) and the deadline of
 * the batch being assembled ({@code gsam-pending-deadline}). It registers the deadline timers on the operator's
 * timer service {@value TrainingStateDescriptors#BATCH_TIMEOUT_TIMERS}; the operator routes them back to {@link
 * #isDue}. Nothing is held in memory between calls, so a restored operator continues with the same pending batch.
 *
 * <p>Lifecycle: created in the operator's {@code open()}; {@link #add} per record, {@link #take} when a batch is
 * full, due, or the input ended. Not thread-safe (the operator's task thread only).
 */
final class PendingMinibatches {

    /** A concatenated minibatch: {@code rows} examples, row-major features, labels and optional weights. */
    record Minibatch(int rows, float[] features, int[] labels, float[] weights) {}

    private final ListState<TrainingRecord> pendingExamples;
    private final ValueState<Integer> pendingCount;
    private final ValueState<Long> pendingDeadline;
    private final InternalTimerService<VoidNamespace> timers;

    PendingMinibatches(RuntimeContext state, InternalTimerService<VoidNamespace> timers) {
        this.pendingExamples = state.getListState(TrainingStateDescriptors.pendingExamples());
        this.pendingCount = state.getState(TrainingStateDescriptors.pendingCount());
        this.pendingDeadline = state.getState(TrainingStateDescriptors.pendingDeadline());
        this.timers = timers;
    }

    /**
     * Adds a single-example record of the current key. The record that starts a batch (one or several rows) sets
     * its deadline, {@code nowMs + spec.batchTimeoutMs()}, when the spec has a timeout.
     *
     * @return whether the pending batch is full ({@code >= spec.batchSize()} rows) and should be {@link #take taken}
     */
    boolean add(TrainingRecord r, ModelSpec spec, long nowMs) throws Exception {
        pendingExamples.add(r);
        Integer count = pendingCount.value();
        int n = (count == null ? 0 : count) + r.rows;
        pendingCount.update(n);
        if ((count == null || count == 0) && spec.batchTimeoutMs() > 0) {
            long deadline = nowMs + spec.batchTimeoutMs();
            pendingDeadline.update(deadline);
            timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, deadline);
        }
        return n >= spec.batchSize();
    }

    /** Whether the current key has pending examples. */
    boolean hasPending() throws Exception {
        return pendingCount.value() != null;
    }

    /**
     * Whether a deadline timer firing at {@code timerTimestamp} is due for the current key's pending batch. A timer
     * of a batch that already filled up finds no deadline, or a later one of the next batch.
     */
    boolean isDue(long timerTimestamp) throws Exception {
        Long deadline = pendingDeadline.value();
        return deadline != null && deadline <= timerTimestamp;
    }

    /**
     * Removes the current key's pending records and returns them concatenated in arrival order, or null when there
     * were none. A batch where some records carry weights gets weight 1 for the others.
     *
     * <p>Every record is checked against {@code spec} again: records pending in a savepoint were checked against
     * the spec of the job that wrote it, and a restore may bring another input width or class count. A record that
     * no longer fits goes to {@code misfits} with the reason and is not trained on.
     */
    Minibatch take(ModelSpec spec, BiConsumer<TrainingRecord, String> misfits) throws Exception {
        List<TrainingRecord> records = new ArrayList<>();
        for (TrainingRecord r : pendingExamples.get()) {
            String problem = r.problem(spec.numFeatures(), spec.numClasses());
            if (problem == null) {
                records.add(r);
            } else {
                misfits.accept(r, problem);
            }
        }
        pendingExamples.clear();
        pendingCount.clear();
        pendingDeadline.clear();
        if (records.isEmpty()) {
            return null;
        }
        return concatenate(records, spec.numFeatures());
    }

    static Minibatch concatenate(List<TrainingRecord> records, int nf) {
        int rows = 0;
        boolean weighted = false;
        for (TrainingRecord r : records) {
            rows += r.rows;
            weighted |= r.weights != null;
        }
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
        return new Minibatch(rows, features, labels, weights);
    }
}
