package org.gsamflink.optimizer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

/**
 * The slots of the gradient view that are not gradients: BatchNorm's running mean and variance travel through it
 * as updates. A {@link Gsam} step keeps the clean pass's values and leaves the slots out of every norm, dot
 * product, perturbation and clipping.
 *
 * <p>State: one copy per slot (the size of the BatchNorm statistics; nothing for a network without BatchNorm),
 * allocated on first use. Not thread-safe.
 */
final class NonGradientSlots {

    private final List<NetworkAdapter.Range> ranges;
    private INDArray[] saved;

    NonGradientSlots(List<NetworkAdapter.Range> ranges) {
        this.ranges = List.copyOf(ranges);
        this.saved = new INDArray[ranges.size()];
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Keeps the slots' current values and zeroes them in {@code grad}. */
    void saveAndZero(INDArray grad) {
        for (int i = 0; i < saved.length; i++) {
            INDArray slot = slot(grad, i);
            if (saved[i] == null) {
                saved[i] = slot.dup();
            } else {
                saved[i].assign(slot);
            }
            slot.assign(0);
        }
    }

    void zero(INDArray grad) {
        for (int i = 0; i < saved.length; i++) {
            slot(grad, i).assign(0);
        }
    }

    /** Puts the values kept by {@link #saveAndZero} back into {@code grad}. */
    void restore(INDArray grad) {
        for (int i = 0; i < saved.length; i++) {
            slot(grad, i).assign(saved[i]);
        }
    }

    private INDArray slot(INDArray grad, int i) {
        NetworkAdapter.Range r = ranges.get(i);
        return grad.get(NDArrayIndex.interval(r.start(), r.end()));
    }

    void close() {
        saved = null;
    }
}
