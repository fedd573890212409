package org.gsamflink.operators;

import org.gsamflink.operators.drift.DriftMonitors;

/**
 * The keyed state of one model id, the source of truth for its training: the optimizer state (parameters, updater
 * state, step and scheduler counters, RNG seed: {@code GsamState}'s binary format), the architecture it belongs to,
 * the metric windows, the fading prequential statistics, the drift
 * and sharpness detectors, the schedules' restart step and the input's standardization statistics. Written by {@link ModelStateSerializer}; the live ND4J network is only a cache of it.
 */
public final class ModelState {

    /**
     * The {@link NetworkLayout} the optimizer state belongs to ({@link ModelSpec#architectureFingerprint()}); in
     * state of release 0.1.0 a SHA-256 of the whole network configuration instead.
     */
    public String architectureFingerprint;
    /** {@link ModelSettings#describe} of the settings it was last trained with; null in state of release 0.1.0. */
    public String settings;
    /**
     * Added to the step counter to number the model's snapshots (store versions): 0, unless the model started
     * without state against a store that held versions of its id from an earlier job ({@link StoreNumbering}).
     */
    public long versionOffset;
    /** {@code GsamState} bytes. */
    public byte[] optimizerState;
    public long examplesSeen;
    public long lastSnapshotStep;
    public long lastSnapshotTimeMs;
    public final MetricsAccumulator metricsWindow = new MetricsAccumulator();
    public final MetricsAccumulator snapshotWindow = new MetricsAccumulator();
    /** Over the whole stream, not a window: never reset; empty in state of format 1 and 2. */
    public final FadingPrequential fading = new FadingPrequential();
    /** The drift and sharpness detectors' state; fresh in state of formats 1 to 3. */
    public final DriftMonitors monitors = new DriftMonitors();
    /**
     * The step the lr and ρ schedules restarted at ({@code training.on-drift: rewarm}): they see step t as {@code t −
     * scheduleOffset}. 0 (never restarted) in state of formats 1 to 3.
     */
    public long scheduleOffset;
    /**
     * The input's running statistics when the model standardizes ({@code model.standardize}); null otherwise, and in
     * state of formats 1 to 4.
     */
    public FeatureStandardizer standardizer;

    ModelState copy() {
        ModelState c = new ModelState();
        c.architectureFingerprint = architectureFingerprint;
        c.settings = settings;
        c.versionOffset = versionOffset;
        c.optimizerState = optimizerState == null ? null : optimizerState.clone();
        c.examplesSeen = examplesSeen;
        c.lastSnapshotStep = lastSnapshotStep;
        c.lastSnapshotTimeMs = lastSnapshotTimeMs;
        c.metricsWindow.copyFrom(metricsWindow);
        c.snapshotWindow.copyFrom(snapshotWindow);
        c.fading.copyFrom(fading);
        c.monitors.copyFrom(monitors);
        c.scheduleOffset = scheduleOffset;
        c.standardizer = standardizer == null ? null : standardizer.copy();
        return c;
    }
}
