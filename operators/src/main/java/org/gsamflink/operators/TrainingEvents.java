package org.gsamflink.operators;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.gsamflink.operators.drift.Alarm;
import org.gsamflink.operators.drift.DriftMonitors;
import org.gsamflink.optimizer.SkipReason;
import org.gsamflink.optimizer.StepResult;
import org.slf4j.Logger;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The reporting of {@link GsamTrainingOperator}'s training events: what the operator decided happened (a record
 * dropped or rejected, a step taken or skipped, a model rolled back, a snapshot refused, broken restored state
 * reset) becomes Flink metrics, records on the operator's outputs and rate-limited log lines here. The operator
 * keeps the decisions; this class owns how each one is reported.
 *
 * <p>Owns: the operator-wide counters {@code invalidRecords}, {@code skippedSteps}, {@code skippedSteps_<reason>}
 * (one per {@link SkipReason}, registered up front), {@code rollbacks}, {@code snapshotsRefused}, {@code alerts},
 * {@code tooManyModels}, {@code specChangedRecords}, {@code driftAlarms}, {@code sharpnessAlarms} and the gauge
 * {@code modelMetricGroups}; the per-model metric groups ({@code model=<id>},
 * created on a model's first step for the first {@link TrainingOptions#maxModelMetricGroups()} models of a subtask
 * and never released, since Flink cannot remove a registered group): gauges {@code loss}, {@code accuracy} (the
 * newest batch's), {@code fadingAccuracy}, {@code kappa} ({@link FadingPrequential}), {@code surrogateGap}, {@code
 * rho}, {@code lr}, counters {@code steps}, {@code examples}, {@code skippedSteps}, {@code
 * skippedSteps_<reason>} (registered on first use), {@code rollbacks}, {@code driftAlarms}, {@code
 * sharpnessAlarms}; the one {@link RateLimitedLog} of the
 * operator (on the operator's logger); building and emitting the {@link TrainingAlert}s ({@link
 * GsamTrainingOperator#ALERTS}), the {@link RejectedRecord}s ({@link GsamTrainingOperator#REJECTED}) and the
 * metrics record of each skipped step (main output).
 *
 * <p>State: no Flink state; nothing here survives a restart (the operator-wide counters and log counts start again from
 * zero, as Flink metrics do; the per-model {@code steps} and {@code examples} counters continue from the model's
 * state at its first step after a restore). Lifecycle: one instance per operator, created in {@code open()} once the output and the metric
 * group exist; not thread-safe (the operator's task thread only; the gauges read volatile fields). Memory: one
 * small object per model with a metric group (bounded) and one counter per log category seen.
 */
final class TrainingEvents {

    private final MetricGroup group;
    private final Output<StreamRecord<StepMetrics>> output;
    private final int maxModelMetricGroups;
    private final RateLimitedLog warnings;
    private final Map<String, ModelMetrics> modelMetrics = new HashMap<>();
    private final Counter invalidRecords;
    private final Counter skippedSteps;
    private final Map<SkipReason, Counter> skippedByReason = new EnumMap<>(SkipReason.class);
    private final Counter rollbacks;
    private final Counter snapshotsRefused;
    private final Counter alerts;
    private final Counter tooManyModels;
    private final Counter specChanged;
    private final Counter driftAlarms;
    private final Counter sharpnessAlarms;

    /**
     * Registers the operator-wide metrics on {@code group}.
     *
     * @param group the operator's metric group; per-model groups are added below it
     * @param output the operator's output (main and side outputs)
     * @param maxModelMetricGroups how many models of this subtask get a metric group
     * @param log the operator's logger, which the rate-limited warnings go to
     */
    TrainingEvents(MetricGroup group, Output<StreamRecord<StepMetrics>> output, int maxModelMetricGroups, Logger log) {
        this.group = group;
        this.output = output;
        this.maxModelMetricGroups = maxModelMetricGroups;
        this.warnings = new RateLimitedLog(log);
        invalidRecords = group.counter("invalidRecords");
        skippedSteps = group.counter("skippedSteps");
        for (SkipReason reason : SkipReason.values()) {
            skippedByReason.put(reason, group.counter(skippedCounterName(reason)));
        }
        rollbacks = group.counter("rollbacks");
        snapshotsRefused = group.counter("snapshotsRefused");
        alerts = group.counter("alerts");
        tooManyModels = group.counter("tooManyModels");
        specChanged = group.counter("specChangedRecords");
        driftAlarms = group.counter("driftAlarms");
        sharpnessAlarms = group.counter("sharpnessAlarms");
        group.gauge("modelMetricGroups", modelMetrics::size);
    }

    /** The name of the counter of steps skipped for {@code reason}: {@code skippedSteps_non-finite-loss}, … */
    static String skippedCounterName(SkipReason reason) {
        return "skippedSteps_" + reason.label();
    }

    /** A record whose shape does not fit the model's spec: counted and logged (the operator drops it). */
    void invalidRecord(String key, String problem) {
        invalidRecords.inc();
        warnings.warn("invalid-record", "Dropping an invalid record for model {}: {}", key, problem);
    }

    /** A record of a new model id beyond the cap: counted, emitted on {@code REJECTED} and logged. */
    void tooManyModels(RejectedRecord rejected) {
        tooManyModels.inc();
        reject(rejected);
    }

    /** A pending record that does not fit the restored job's spec: counted, emitted on {@code REJECTED}, logged. */
    void specChanged(RejectedRecord rejected) {
        specChanged.inc();
        reject(rejected);
    }

    private void reject(RejectedRecord rejected) {
        output.collect(GsamTrainingOperator.REJECTED, new StreamRecord<>(rejected));
        warnings.warn(rejected.reason, "Not training a record of model {}: {}", rejected.modelId, rejected.detail);
    }

    /**
     * A step taken: the model's gauges and its {@code steps}/{@code examples} counters, which count from the model's
     * state ({@code steps} the step counter, {@code examples} examples seen), so they continue across restores.
     *
     * @param fading the model's fading statistics with this step's batch in them
     */
    void trained(String key, StepResult r, double batchAccuracy, FadingPrequential fading, long steps,
                 long examplesSeen) {
        ModelMetrics mm = metricsFor(key);
        if (mm != null) {
            mm.update(r, batchAccuracy, fading, steps, examplesSeen);
        }
    }

    /**
     * A skipped step: the counters, a metrics record of its own with the reason (main output), a rate-limited
     * warning.
     *
     * @param step the model's step counter after the step
     * @param skippedSoFar the model's skipped steps so far, this one included
     */
    void skipped(String key, long step, long skippedSoFar, StepResult r, long now) {
        SkipReason reason = r.skipReason();
        skippedSteps.inc();
        skippedByReason.get(reason).inc();
        ModelMetrics mm = metricsFor(key);
        if (mm != null) {
            mm.skipped(reason);
        }
        output.collect(new StreamRecord<>(skippedMetrics(key, step, skippedSoFar, r, now)));
        warnings.warn("skipped:" + reason.label(), "Model {}: skipped the step at {} ({}); the model is unchanged",
                key, r.step(), reason.label());
    }

    /** A model rolled back after the step at {@code badStep} left {@code broken}: counted and alerted. */
    void rolledBack(String key, long badStep, String broken, long backTo, long now) {
        rollbacks.inc();
        ModelMetrics mm = metricsFor(key);
        if (mm != null) {
            mm.rollbacks.inc();
        }
        alert(key, badStep, broken, TrainingAlert.ROLLED_BACK, "the step at " + badStep + " left " + broken
                + "; rolled back to the last good state at step " + backTo, now);
    }

    /** A snapshot not emitted because the model at {@code step} has {@code broken}: counted and alerted. */
    void snapshotRefused(String key, long step, String broken, long now) {
        snapshotsRefused.inc();
        alert(key, step, broken, TrainingAlert.SNAPSHOT_REFUSED,
                "the model at step " + step + " has " + broken + "; no snapshot emitted", now);
    }

    /** Broken restored state that was re-initialised ({@code detail} from {@link LiveModelCache}): alerted. */
    void restoredStateReset(String key, long step, String detail, long now) {
        alert(key, step, "non-finite-restored-state", TrainingAlert.RESET, detail, now);
    }

    /**
     * A detector fired on the model at {@code step} and the operator did {@code action} ({@link DriftReaction#action}
     * for a drift alarm, {@link TrainingAlert#ALARMED} for a sharpness one): counted, alerted with the figures.
     */
    void alarmed(String key, long step, Alarm alarm, String action, long now) {
        boolean drift = DriftMonitors.DRIFT.equals(alarm.detector());
        (drift ? driftAlarms : sharpnessAlarms).inc();
        ModelMetrics mm = metricsFor(key);
        if (mm != null) {
            (drift ? mm.driftAlarms : mm.sharpnessAlarms).inc();
        }
        String detail = String.format(java.util.Locale.ROOT, "%s statistic %.6g crossed its threshold %.6g at step %d",
                alarm.detector(), alarm.statistic(), alarm.threshold(), step);
        emit(new TrainingAlert(key, step, alarm.detector(), action, detail, now)
                .withFigures(alarm.statistic(), alarm.threshold()));
    }

    /** Models of this subtask with a Flink metric group. */
    int modelMetricGroups() {
        return modelMetrics.size();
    }

    static StepMetrics skippedMetrics(String key, long step, long skippedSoFar, StepResult r, long now) {
        StepMetrics sm = new StepMetrics();
        sm.modelId = key;
        sm.step = step;
        sm.steps = 0;
        sm.examples = 0;
        sm.cleanLoss = r.cleanLoss();
        sm.perturbedLoss = r.perturbedLoss();
        sm.surrogateGap = r.surrogateGap();
        sm.accuracy = Double.NaN;
        sm.fadingAccuracy = Double.NaN;
        sm.kappa = Double.NaN;
        sm.rho = r.rho();
        sm.lr = r.lr();
        sm.gradNorm = r.gradNorm();
        sm.perturbedGradNorm = r.perturbedGradNorm();
        sm.cosine = r.cosine();
        sm.examplesPerSecond = 0;
        sm.skippedSteps = skippedSoFar;
        sm.skippedReason = r.skipReason().label();
        sm.timestampMs = now;
        return sm;
    }

    private void alert(String key, long step, String reason, String action, String detail, long now) {
        emit(new TrainingAlert(key, step, reason, action, detail, now));
    }

    /** Counts, emits and logs (rate-limited, per action and reason) a complete alert. */
    private void emit(TrainingAlert a) {
        alerts.inc();
        output.collect(GsamTrainingOperator.ALERTS, new StreamRecord<>(a));
        warnings.warn(a.action + ":" + a.reason, "Model {}: {} ({}): {}", a.modelId, a.action, a.reason, a.detail);
    }

    /** The key's metric group, created for the first {@link #maxModelMetricGroups} models; else null. */
    private ModelMetrics metricsFor(String key) {
        ModelMetrics mm = modelMetrics.get(key);
        if (mm == null && modelMetrics.size() < maxModelMetricGroups) {
            mm = new ModelMetrics(group.addGroup("model", key));
            modelMetrics.put(key, mm);
        }
        return mm;
    }

    /** Flink metrics of one model. */
    private static final class ModelMetrics {
        volatile double loss = Double.NaN;
        volatile double accuracy = Double.NaN;
        volatile double fadingAccuracy = Double.NaN;
        volatile double kappa = Double.NaN;
        volatile double gap = Double.NaN;
        volatile double rho = Double.NaN;
        volatile double lr = Double.NaN;
        final Counter steps;
        final Counter examples;
        final Counter skippedSteps;
        final Counter rollbacks;
        final Counter driftAlarms;
        final Counter sharpnessAlarms;
        private final MetricGroup group;
        private final Map<SkipReason, Counter> skippedByReason = new EnumMap<>(SkipReason.class);

        ModelMetrics(MetricGroup group) {
            this.group = group;
            group.gauge("loss", () -> loss);
            group.gauge("accuracy", () -> accuracy);
            group.gauge("fadingAccuracy", () -> fadingAccuracy);
            group.gauge("kappa", () -> kappa);
            group.gauge("surrogateGap", () -> gap);
            group.gauge("rho", () -> rho);
            group.gauge("lr", () -> lr);
            steps = group.counter("steps");
            examples = group.counter("examples");
            skippedSteps = group.counter("skippedSteps");
            rollbacks = group.counter("rollbacks");
            driftAlarms = group.counter("driftAlarms");
            sharpnessAlarms = group.counter("sharpnessAlarms");
        }

        /** Counts a skipped step; the counter of its reason is registered on first use (a fixed set of six). */
        void skipped(SkipReason reason) {
            skippedSteps.inc();
            skippedByReason.computeIfAbsent(reason, r -> group.counter(skippedCounterName(r))).inc();
        }

        void update(StepResult r, double batchAccuracy, FadingPrequential fading, long totalSteps,
                    long totalExamples) {
            loss = r.cleanLoss();
            accuracy = batchAccuracy;
            // Copied, not read by the gauge: the reporter thread must not see the task thread's arrays mid-update.
            fadingAccuracy = fading.accuracy();
            kappa = fading.kappa();
            gap = r.surrogateGap();
            rho = r.rho();
            lr = r.lr();
            // Counters only go up: after a restore the first step brings them to the model's totals.
            steps.inc(totalSteps - steps.getCount());
            examples.inc(totalExamples - examples.getCount());
        }
    }
}
