package org.gsamflink.optimizer;

import java.util.Arrays;

/**
 * The runtime state of a {@link LossSpikeGuard}: the window of recent clean losses (a ring buffer) and the losses
 * of the current run of spikes. All buffers are allocated once. Without a guard it keeps whatever state was
 * restored into it, unchanged, so that turning the guard off and on again (or exporting a state with the guard
 * off) loses nothing.
 */
final class LossSpikeMonitor {

    enum Verdict {
        /** Not a spike (or the guard is off or warming up): take the step. */
        ACCEPT,
        /** A spike: skip the step. */
        SPIKE,
        /** The (K+1)-th spike in a row: take the step and re-level the window on the run of spikes. */
        RELEVEL
    }

    private static final double[] NONE = new double[0];

    private final LossSpikeGuard guard;
    private final double[] window;
    private final double[] pending;
    private final double[] sorted;
    private int count;
    private int next;
    private int pendingCount;
    /** Without a guard: the restored state, kept as it was. */
    private double[] heldWindow = NONE;
    private double[] heldPending = NONE;

    LossSpikeMonitor(LossSpikeGuard guard) {
        this.guard = guard;
        this.window = guard == null ? NONE : new double[guard.windowSize()];
        this.sorted = guard == null ? NONE : new double[guard.windowSize()];
        this.pending = guard == null ? NONE : new double[guard.maxConsecutiveSpikes()];
    }

    /** What to do with a step of clean loss {@code loss} (finite); changes nothing. */
    Verdict check(double loss) {
        if (guard == null || count < guard.warmupSteps()) {
            return Verdict.ACCEPT;
        }
        double level = level();
        if (!(level > 0) || !(loss > guard.factor() * level)) {
            return Verdict.ACCEPT;
        }
        return pendingCount < pending.length ? Verdict.SPIKE : Verdict.RELEVEL;
    }

    /** A step skipped as a spike: it joins the current run of spikes. */
    void recordSpike(double loss) {
        pending[pendingCount++] = loss;
    }

    /** A step taken with clean loss {@code loss}, after {@link #check} said {@code verdict}. */
    void accept(double loss, Verdict verdict) {
        if (guard == null) {
            return;
        }
        if (verdict == Verdict.RELEVEL) {
            count = 0;
            next = 0;
            for (int i = 0; i < pendingCount; i++) {
                push(pending[i]);
            }
        }
        pendingCount = 0;
        push(loss);
    }

    private void push(double loss) {
        window[next] = loss;
        next = (next + 1) % window.length;
        if (count < window.length) {
            count++;
        }
    }

    /** The median of the window, NaN when it is empty. */
    double level() {
        if (count == 0) {
            return Double.NaN;
        }
        System.arraycopy(window, 0, sorted, 0, count);   // the order within the window does not matter here
        Arrays.sort(sorted, 0, count);
        int mid = count >>> 1;
        return (count & 1) == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** The window's losses, oldest first. */
    double[] windowLosses() {
        if (guard == null) {
            return heldWindow.clone();
        }
        double[] out = new double[count];
        int start = (next - count + window.length) % window.length;
        for (int i = 0; i < count; i++) {
            out[i] = window[(start + i) % window.length];
        }
        return out;
    }

    /** The current run of spikes' losses, oldest first. */
    double[] spikeLosses() {
        return guard == null ? heldPending.clone() : Arrays.copyOf(pending, pendingCount);
    }

    /** Restores {@link #windowLosses()} and {@link #spikeLosses()}; with a smaller window or K, the newest. */
    void restore(double[] windowLosses, double[] spikeLosses) {
        if (guard == null) {
            heldWindow = windowLosses.clone();
            heldPending = spikeLosses.clone();
            return;
        }
        count = 0;
        next = 0;
        for (int i = Math.max(0, windowLosses.length - window.length); i < windowLosses.length; i++) {
            push(windowLosses[i]);
        }
        pendingCount = 0;
        for (int i = Math.max(0, spikeLosses.length - pending.length); i < spikeLosses.length; i++) {
            pending[pendingCount++] = spikeLosses[i];
        }
    }
}
