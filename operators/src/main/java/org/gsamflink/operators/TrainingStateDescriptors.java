package org.gsamflink.operators;

import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.BooleanSerializer;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;

/**
 * Every piece of keyed state of the training operator, and its timer service, in one place. The names are part of the savepoint format:
 * never rename one.
 */
final class TrainingStateDescriptors {

    static final String MODEL = "gsam-model";
    static final String PENDING_EXAMPLES = "gsam-pending-examples";
    static final String PENDING_COUNT = "gsam-pending-count";
    static final String PENDING_DEADLINE = "gsam-pending-deadline";
    /** Marks a model id as admitted (counted against {@code training.max-models}); see {@link ModelAdmission}. */
    static final String ADMITTED = "gsam-model-admitted";
    /** The internal timer service of the batch deadlines (its name is in the savepoint's timer state too). */
    static final String BATCH_TIMEOUT_TIMERS = "gsam-batch-timeout";

    private TrainingStateDescriptors() {}

    static ValueStateDescriptor<ModelState> model() {
        return new ValueStateDescriptor<>(MODEL, ModelStateSerializer.INSTANCE);
    }

    static ListStateDescriptor<TrainingRecord> pendingExamples() {
        return new ListStateDescriptor<>(PENDING_EXAMPLES, TrainingRecordSerializer.INSTANCE);
    }

    static ValueStateDescriptor<Boolean> admitted() {
        return new ValueStateDescriptor<>(ADMITTED, BooleanSerializer.INSTANCE);
    }

    static ValueStateDescriptor<Integer> pendingCount() {
        return new ValueStateDescriptor<>(PENDING_COUNT, IntSerializer.INSTANCE);
    }

    static ValueStateDescriptor<Long> pendingDeadline() {
        return new ValueStateDescriptor<>(PENDING_DEADLINE, LongSerializer.INSTANCE);
    }
}
