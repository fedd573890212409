package org.gsamflink.optimizer;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.schedule.LinearScheduler;
import org.gsamflink.optimizer.schedule.Scheduler;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link GsamConfig#withSchedulesRestartedAt}: a restored optimizer warms its lr and ρ up again from there. */
class ScheduleRestartTest {

    @Test
    void anOptimizerRestartedAtItsStepRunsTheWarmUpAgainAndKeepsItsCounter() {
        Scheduler lr = LinearScheduler.builder().maxValue(0.1).minValue(0.01).totalSteps(20).warmupSteps(5)
                .initValue(0.0).build();
        GsamConfig config = GsamConfig.builder().alpha(0.3).lrScheduler(lr)
                .rhoScheduler(LinearScheduler.builder().maxValue(0.05).minValue(0.05).totalSteps(20).warmupSteps(5)
                        .initValue(0.0).build())
                .build();
        MultiLayerNetwork net = TinyNetworks.linearRegression(0.1, 0.5, -0.25);
        DataSet batch = TinyNetworks.regressionBatch(new double[][] {{1, 2}, {3, -1}}, new double[] {1, 0});
        Gsam gsam = new Gsam(net, config);
        for (int i = 0; i < 30; i++) {
            gsam.step(batch);
        }
        assertThat(gsam.currentLearningRate()).as("past the schedule's end").isEqualTo(0.01);
        byte[] state = gsam.exportState();
        gsam.close();

        Gsam restarted = new Gsam(net, config.withSchedulesRestartedAt(30));
        restarted.importState(state);
        assertThat(restarted.stepCount()).isEqualTo(30);
        assertThat(restarted.currentLearningRate()).isEqualTo(lr.valueAt(0)).isZero();
        assertThat(restarted.currentRho()).isZero();
        restarted.step(batch);
        assertThat(restarted.lastLearningRate()).isEqualTo(0.0);
        for (int i = 0; i < 3; i++) {
            restarted.step(batch);
        }
        assertThat(restarted.currentLearningRate()).isEqualTo(lr.valueAt(4));
        assertThat(restarted.stepCount()).isEqualTo(34);
        restarted.close();
    }
}
