package org.gsamflink.operators;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.util.ArrayList;
import java.util.List;

/**
 * A keyed operator that only opens a {@link PendingMinibatches} and a {@link LiveModelCache} the way {@link
 * GsamTrainingOperator} does, so tests can drive them directly (after {@link #setCurrentKey}). Fired timers are
 * recorded in {@link #firedTimers}.
 */
final class ProbeOperator extends AbstractStreamOperator<String>
        implements OneInputStreamOperator<TrainingRecord, String>, Triggerable<String, VoidNamespace> {

    private final TrainingOptions options;
    transient PendingMinibatches pending;
    transient LiveModelCache cache;
    final List<Long> firedTimers = new ArrayList<>();

    ProbeOperator(TrainingOptions options) {
        this.options = options;
    }

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, String> harness(ProbeOperator op)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(op, r -> r.modelId, Types.STRING);
    }

    @Override
    public void open() throws Exception {
        super.open();
        pending = new PendingMinibatches(getRuntimeContext(), getInternalTimerService(
                TrainingStateDescriptors.BATCH_TIMEOUT_TIMERS, VoidNamespaceSerializer.INSTANCE, this));
        cache = new LiveModelCache(getRuntimeContext(), this, options, getMetricGroup());
    }

    @Override
    public void processElement(StreamRecord<TrainingRecord> element) {}

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
        firedTimers.add(timer.getTimestamp());
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {}

    @Override
    public void close() throws Exception {
        if (cache != null) {
            cache.close();
        }
        super.close();
    }
}
