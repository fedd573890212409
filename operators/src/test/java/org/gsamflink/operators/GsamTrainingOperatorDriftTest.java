package org.gsamflink.operators;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.gsamflink.operators.drift.DriftMonitors;
import org.gsamflink.operators.drift.PageHinkley;
import org.gsamflink.optimizer.Gsam;
import org.gsamflink.optimizer.schedule.Schedulers;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's drift alarm on a stream whose concept changes (the labels rotate): the alert and its figures, and
 * what each {@code training.on-drift} reaction does to the model (schedules restarted, and still after a restore;
 * updater state zeroed; nothing).
 */
class GsamTrainingOperatorDriftTest {

    private static final String LR = "constant:value=0.01,warmup=50,init=0.0001";
    /** Batches of 4 of the first concept; the model learns it (error well below the 2/3 of guessing). */
    private static final int BEFORE = 300;
    /** At most this many batches of the second concept until the alarm (measured: 26 to 29 with these seeds). */
    private static final int DELAY_BATCHES = 60;

    private final ModelSpec spec = TestModels.specBuilder().lrSchedule(LR).build();

    private KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> harness(
            GsamTrainingOperator op) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(op, r -> r.modelId, Types.STRING);
    }

    private GsamTrainingOperator operator(DriftReaction reaction) {
        return new GsamTrainingOperator(ModelSpecResolver.single(spec),
                TrainingOptions.builder().onDrift(reaction).build());
    }

    private final java.util.Random noise = new java.util.Random(5);

    /**
     * A batch of the first concept (label: arg-max of the first 3 features) or of the second: labels at random, which
     * no model can learn, so the error rises to 2/3 and stays there (a rotation of the labels is re-learnt too fast
     * for a test of the delay).
     */
    private TrainingRecord batch(TestModels.Examples data, boolean drifted) {
        TrainingRecord r = data.minibatch("m", 4);
        if (drifted) {
            for (int i = 0; i < r.rows; i++) {
                r.labels[i] = noise.nextInt(TestModels.CLASSES);
            }
        }
        return r;
    }

    private static List<TrainingAlert> alerts(KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h) {
        Queue<StreamRecord<TrainingAlert>> q = h.getSideOutput(GsamTrainingOperator.ALERTS);
        List<TrainingAlert> out = new ArrayList<>();
        if (q != null) {
            q.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    /** Trains the first concept, then the second until the drift alarm; the alarm's alert. */
    private TrainingAlert trainUntilDrift(KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord,
            StepMetrics> h, TestModels.Examples data) throws Exception {
        for (int i = 0; i < BEFORE; i++) {
            h.processElement(batch(data, false), 10L);
        }
        assertThat(alerts(h)).as("no alarm on the first concept").noneMatch(a -> a.reason.equals(DriftMonitors.DRIFT));
        for (int i = 0; i < DELAY_BATCHES; i++) {
            h.setProcessingTime(1_000 + i);
            h.processElement(batch(data, true), 10L);
            List<TrainingAlert> drift = alerts(h).stream().filter(a -> a.reason.equals(DriftMonitors.DRIFT)).toList();
            if (!drift.isEmpty()) {
                assertThat(drift).singleElement();
                return drift.get(0);
            }
        }
        throw new AssertionError("no drift alarm within " + DELAY_BATCHES + " batches of the new concept");
    }

    @Test
    void aChangeOfConceptRaisesADriftAlertWithItsFigures() throws Exception {
        GsamTrainingOperator op = operator(DriftReaction.NONE);
        try (var h = harness(op)) {
            h.open();
            TrainingAlert a = trainUntilDrift(h, new TestModels.Examples(11));
            assertThat(a.modelId).isEqualTo("m");
            assertThat(a.step).isGreaterThan(BEFORE);
            assertThat(a.action).isEqualTo(TrainingAlert.ALARMED);
            assertThat(a.threshold).isEqualTo(PageHinkley.DEFAULT_LAMBDA);
            assertThat(a.statistic).isGreaterThan(a.threshold);
            assertThat(a.detail).contains("drift statistic").contains("threshold 50");
            assertThat(a.timestampMs).isGreaterThanOrEqualTo(1_000L);
            Gsam gsam = op.liveOptimizerForTests("m");
            assertThat(gsam.currentLearningRate()).as("schedules untouched").isEqualTo(0.01);
            assertThat(Finiteness.updaterState(op.liveNetworkForTests("m")).amaxNumber().doubleValue())
                    .as("updater state untouched").isGreaterThan(0);
        }
    }

    @Test
    void rewarmRestartsTheSchedulesAtTheAlarmStepAndTheRestartSurvivesARestore() throws Exception {
        GsamTrainingOperator op = operator(DriftReaction.REWARM);
        OperatorSubtaskState snapshot;
        long alarmStep;
        TestModels.Examples data = new TestModels.Examples(12);
        try (var h = harness(op)) {
            h.open();
            TrainingAlert a = trainUntilDrift(h, data);
            assertThat(a.action).isEqualTo(TrainingAlert.REWARMED);
            alarmStep = a.step;
            Gsam gsam = op.liveOptimizerForTests("m");
            assertThat(gsam.stepCount()).as("the counter goes on").isEqualTo(alarmStep);
            assertThat(gsam.currentLearningRate()).as("the warm-up's first value again")
                    .isEqualTo(Schedulers.parse(LR).valueAt(0));
            h.processElement(batch(data, true), 10L);
            snapshot = h.snapshot(1, 100L);
        }
        GsamTrainingOperator restored = operator(DriftReaction.REWARM);
        try (var h = harness(restored)) {
            h.initializeState(snapshot);
            h.open();
            h.processElement(batch(data, true), 10L);
            Gsam gsam = restored.liveOptimizerForTests("m");
            assertThat(gsam.stepCount()).isEqualTo(alarmStep + 2);
            assertThat(gsam.currentLearningRate()).as("still restarted at step %d", alarmStep)
                    .isEqualTo(Schedulers.parse(LR).valueAt(2));
        }
    }

    @Test
    void resetZeroesTheUpdaterStateAndLeavesTheSchedules() throws Exception {
        GsamTrainingOperator op = operator(DriftReaction.RESET);
        try (var h = harness(op)) {
            h.open();
            TrainingAlert a = trainUntilDrift(h, new TestModels.Examples(13));
            assertThat(a.action).isEqualTo(TrainingAlert.UPDATER_RESET);
            INDArray u = Finiteness.updaterState(op.liveNetworkForTests("m"));
            assertThat(u.amaxNumber().doubleValue()).as("Adam's moments").isZero();
            assertThat(op.liveOptimizerForTests("m").currentLearningRate()).isEqualTo(0.01);
            // A rollback goes back to the reset state, not behind it.
            op.afterStepForTests((key, network) -> network.params().putScalar(0, Double.NaN));
            h.processElement(batch(new TestModels.Examples(14), true), 10L);
            assertThat(Finiteness.updaterState(op.liveNetworkForTests("m")).amaxNumber().doubleValue()).isZero();
        }
    }
}
