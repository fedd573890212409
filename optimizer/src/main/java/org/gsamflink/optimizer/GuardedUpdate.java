package org.gsamflink.optimizer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.List;

/**
 * The base optimizer's step of a {@link Gsam}, made undoable: the network's own updater turns the direction d in
 * the gradient view into the update in place and changes its state (Adam's moments, Nesterov's velocity), so the
 * updater state and the updaters' learning rates are copied before, and the new parameters and updater state are
 * checked after; if either holds a NaN or ±Inf, parameters, updater state, iteration/epoch counts and learning rates
 * are put back exactly as they were.
 *
 * <p>State: a preallocated copy of the updater state (the updater's state size: 2× the parameters for Adam, 1× for
 * Nesterov, none for Sgd) and one learning rate per updater; no allocation per step. Not thread-safe.
 */
final class GuardedUpdate {

    private final NetworkAdapter network;
    private final VectorOps ops;
    private final boolean setsLearningRate;
    /** The updater state before the update; {@code null} for a stateless updater (Sgd). */
    private INDArray savedUpdaterState;
    /** The updaters' learning rates before the lr scheduler set them. */
    private final double[] savedLearningRates;

    GuardedUpdate(NetworkAdapter network, VectorOps ops, boolean setsLearningRate) {
        this.network = network;
        this.ops = ops;
        this.setsLearningRate = setsLearningRate;
        this.savedLearningRates = new double[network.updaterConfigs().size()];
        allocate(updaterStateView());
    }

    /**
     * The update of {@code n} examples at learning rate {@code lr} (set on the updaters when an lr scheduler drives
     * them), then the finite check; on failure everything the update touched is restored and false returned.
     * {@code savedParams} must hold the parameters before the update.
     */
    boolean apply(int n, double lr, INDArray savedParams) {
        INDArray w = network.params();
        INDArray state = updaterStateView();
        allocate(state);
        if (state != null) {
            savedUpdaterState.assign(state);
        }
        int iterations = network.iterationCount();
        int epochs = network.epochCount();
        List<IUpdater> updaters = network.updaterConfigs();
        if (setsLearningRate) {
            for (int i = 0; i < updaters.size(); i++) {
                IUpdater u = updaters.get(i);
                savedLearningRates[i] = u.getLearningRate(iterations, epochs);
                u.setLrAndSchedule(lr, null);
            }
        }
        network.applyUpdate(n);
        if (ops.allFinite(w) && (state == null || ops.allFinite(state))) {
            return true;
        }
        w.assign(savedParams);
        if (state != null) {
            state.assign(savedUpdaterState);
        }
        network.setIterationCount(iterations);
        network.setEpochCount(epochs);
        if (setsLearningRate) {
            for (int i = 0; i < updaters.size(); i++) {
                updaters.get(i).setLrAndSchedule(savedLearningRates[i], null);
            }
        }
        return false;
    }

    private INDArray updaterStateView() {
        INDArray state = network.updater().getStateViewArray();
        if (state == null || state.length() == 0) {
            return null;
        }
        return state.rank() == 1 ? state : state.reshape(state.length());
    }

    /** (Re)allocates the copy of the updater state when its length changed (allocated once, normally). */
    private void allocate(INDArray updaterState) {
        long stateLength = updaterState == null ? 0 : updaterState.length();
        long have = savedUpdaterState == null ? 0 : savedUpdaterState.length();
        if (have != stateLength) {
            savedUpdaterState = stateLength == 0 ? null
                    : Nd4j.createUninitialized(updaterState.dataType(), stateLength);
        }
    }

    /** Releases the copy. */
    void close() {
        savedUpdaterState = null;
    }
}
