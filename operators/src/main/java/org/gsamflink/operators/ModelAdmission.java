package org.gsamflink.operators;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The cap on models of one training subtask ({@link TrainingOptions#maxModelsPerSubtask(int)}): a record of a model
 * id this subtask does not know yet is admitted while fewer than the cap are, and refused otherwise; known ids always
 * train.
 *
 * <p>State it owns: the keyed flag {@code gsam-model-admitted} ({@link TrainingStateDescriptors#ADMITTED}), set when
 * an id is admitted, so the per-record test is one small state read. The in-memory count is recomputed on every
 * (re)start from keyed state, as the keys of the admission flag, the model state and the pending examples
 * together: after a restore or a rescale each subtask counts exactly the ids it now owns, and a savepoint of a
 * release before the flag counts its models as admitted (they get the flag on their next record).
 *
 * <p>Lifecycle: created in the operator's {@code open()} (after the keyed state is restored); {@link #admit} per
 * record, under the record's key. Not thread-safe. Memory: an int, plus a set of the keys while counting in open.
 */
final class ModelAdmission {

    private final ValueState<Boolean> admitted;
    private final int cap;
    private int count;

    /** Whether the current key has state from before the admission flag existed (pending examples or a model). */
    @FunctionalInterface
    interface KnownBefore {
        boolean test() throws Exception;
    }

    /**
     * @param cap           new ids this subtask admits at most
     * @param admittedSoFar {@link #countAdmitted} of the restored state (0 on a fresh start)
     */
    ModelAdmission(ValueState<Boolean> admitted, int cap, int admittedSoFar) {
        this.admitted = admitted;
        this.cap = cap;
        this.count = admittedSoFar;
    }

    /**
     * The keys with any state that makes a model admitted: the flag, a model state, pending examples. Call it after
     * those states are registered (the operator's parts are created first).
     */
    static int countAdmitted(KeyedStateBackend<?> backend) {
        Set<Object> keys = new HashSet<>();
        for (String name : new String[] {TrainingStateDescriptors.ADMITTED, TrainingStateDescriptors.MODEL,
                TrainingStateDescriptors.PENDING_COUNT}) {
            try (Stream<?> s = backend.getKeys(name, VoidNamespace.INSTANCE)) {
                s.forEach(keys::add);
            }
        }
        return keys.size();
    }

    /**
     * Whether the current key may train: it was admitted before, has state from before the flag ({@code
     * knownBefore}), or is new and the cap is not reached (then it is admitted now).
     */
    boolean admit(KnownBefore knownBefore) throws Exception {
        if (admitted.value() != null) {
            return true;
        }
        if (knownBefore.test()) {
            admitted.update(Boolean.TRUE);   // counted on restore already, as a key of its older state
            return true;
        }
        if (count >= cap) {
            return false;
        }
        admitted.update(Boolean.TRUE);
        count++;
        return true;
    }

    /** Model ids admitted by this subtask. */
    int admittedModels() {
        return count;
    }

    int cap() {
        return cap;
    }
}
