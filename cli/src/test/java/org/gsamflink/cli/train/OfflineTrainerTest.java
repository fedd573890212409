package org.gsamflink.cli.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.GsamConfig;
import org.gsamflink.optimizer.Predictions;
import org.gsamflink.optimizer.StepResult;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.pipeline.model.ModelFactory;
import org.gsamflink.pipeline.model.NetworkSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OfflineTrainerTest {

    /** n examples in 3 dimensions, label = 1 iff x0 + x1 > 0. */
    private static LabeledData separable(int n, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[n * 3];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = (float) rng.nextGaussian();
            }
            y[i] = x[i * 3] + x[i * 3 + 1] > 0 ? 1 : 0;
        }
        return new LabeledData("separable-" + seed, x, y, 3, 2, null);
    }

    private static MultiLayerNetwork net(String spec) {
        return ModelFactory.builder().learningRate(0.1).seed(3).build().create(NetworkSpec.parse(spec));
    }

    @Test
    void listenersSeeEveryStepInOrderAndTheModelLearns() {
        List<String> calls = new ArrayList<>();
        List<Integer> batchSizes = new ArrayList<>();
        TrainerListener recorder = new TrainerListener() {
            @Override
            public void onStart(TrainingPlan plan) {
                calls.add("start " + plan.stepsPerEpoch() + "x" + plan.epochs());
            }

            @Override
            public void onStep(StepEvent e) {
                calls.add("step " + e.epoch() + "." + e.stepInEpoch());
                batchSizes.add(e.result().batchSize());
                assertThat(e.batchAccuracy()).isBetween(0.0, 1.0);
                assertThat(e.epochSoFar().steps()).isEqualTo(e.stepInEpoch());
            }

            @Override
            public void onEpochEnd(EpochSummary s) {
                calls.add("epoch " + s.epoch());
            }

            @Override
            public void onFinish(TrainingResult r) {
                calls.add("finish " + r.steps());
            }
        };
        OfflineTrainer trainer = OfflineTrainer.builder().network(net("mlp:3-8-2")).optimizer(GsamConfig.gsam(0.1, 0.05))
                .trainData(separable(50, 1)).testData(separable(200, 2)).batchSize(16).epochs(8).listener(recorder)
                .build();

        TrainingResult result = trainer.run();

        assertThat(trainer.stepsPerEpoch()).isEqualTo(4);
        assertThat(trainer.totalSteps()).isEqualTo(32);
        assertThat(calls).hasSize(1 + 8 * (4 + 1) + 1);
        assertThat(calls.subList(0, 7)).containsExactly("start 4x8", "step 1.1", "step 1.2", "step 1.3", "step 1.4",
                "epoch 1", "step 2.1");
        assertThat(calls.get(calls.size() - 1)).isEqualTo("finish 32");
        assertThat(batchSizes.subList(0, 4)).containsExactly(16, 16, 16, 2);
        assertThat(result.epochs()).hasSize(8);
        assertThat(result.lastEpoch().stats().examples()).isEqualTo(50);
        assertThat(result.finalTestAccuracy()).get().extracting(Accuracy::total).isEqualTo(200L);
        assertThat(result.finalTestAccuracy().get().value()).isGreaterThan(0.85);
        assertThat(trainer.network().getEpochCount()).isEqualTo(8);
    }

    @Test
    void sameSeedGivesTheSameModel() {
        MultiLayerNetwork a = net("mlp:3-4-2");
        MultiLayerNetwork b = net("mlp:3-4-2");
        for (MultiLayerNetwork n : List.of(a, b)) {
            OfflineTrainer.builder().network(n).optimizer(GsamConfig.sam(0.05)).trainData(separable(40, 5))
                    .batchSize(8).epochs(2).seed(11).build().run();
        }
        assertThat(a.params()).isEqualTo(b.params());
    }

    @Test
    void noShuffleVisitsFileOrder() {
        List<Long> firstRows = new ArrayList<>();
        LabeledData data = separable(20, 9);
        OfflineTrainer.builder().network(net("mlp:3-2")).optimizer(GsamConfig.builder().rho(0).build())
                .trainData(data).batchSize(20).shuffle(false).listener(new TrainerListener() {
                    @Override
                    public void onStep(StepEvent e) {
                        StepResult r = e.result();
                        firstRows.add((long) r.batchSize());
                        // prequential: the batch accuracy counts predictions made before the update
                        assertThat((long) e.correct()).isEqualTo(Predictions.countCorrect(r.prediction(),
                                data.labels(null, 0, 20)));
                    }
                }).build().run();
        assertThat(firstRows).containsExactly(20L);
    }

    @Test
    void buildRulesAndDataThatDoesNotFitTheModel() {
        assertThatThrownBy(() -> OfflineTrainer.builder().build()).hasMessage("network is required");
        assertThatThrownBy(() -> OfflineTrainer.builder().network(net("mlp:3-2")).build())
                .hasMessage("optimizer is required");
        assertThatThrownBy(() -> OfflineTrainer.builder().network(net("mlp:3-2")).optimizer(GsamConfig.sam(0.1))
                .build()).hasMessage("trainData is required");
        assertThatThrownBy(() -> OfflineTrainer.builder().network(net("mlp:4-2")).optimizer(GsamConfig.sam(0.1))
                .trainData(separable(5, 1)).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("training data separable-1 has 3 features per example but the model takes 4");
        LabeledData threeClasses = new LabeledData("three", new float[] {0, 0, 0, 1, 1, 1}, new int[] {0, 2}, 3, 3,
                null);
        assertThatThrownBy(() -> OfflineTrainer.builder().network(net("mlp:3-2")).optimizer(GsamConfig.sam(0.1))
                .trainData(separable(5, 1)).testData(threeClasses).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("test data three has label 2 but the model has only 2 outputs (classes 0..1)");
        assertThatThrownBy(() -> OfflineTrainer.builder().batchSize(0)).hasMessage("batchSize must be >= 1, got 0");
        assertThatThrownBy(() -> OfflineTrainer.builder().epochs(0)).hasMessage("epochs must be >= 1, got 0");
    }

    @Test
    void stepsCsvNumbersAreShortForFloatsAndExactForDoubles() {
        assertThat(StepsCsvWriter.format(0.5f)).isEqualTo("0.5");
        assertThat(StepsCsvWriter.format((double) 0.1f)).isEqualTo("0.1");
        assertThat(StepsCsvWriter.format(0.1)).isEqualTo("0.1");
        assertThat(StepsCsvWriter.format(0.05 * 0.3)).isEqualTo(Double.toString(0.05 * 0.3));
        assertThat(StepsCsvWriter.format(Double.NaN)).isEqualTo("NaN");
    }

    @Test
    void progressLineShowsEpochStepThroughputLossAccuracyRhoAndGap() {
        StepResult r = new StepResult(9, null, 10, 0.5, 0.52, 0.02, 1, 1, 0.9, 0.05, 0.1, null);
        StepEvent e = new StepEvent(1, 3, 10, 47, r, 7, new EpochStats(10, 0, 100, 71, 0.61234, 0.0123,
                50_000_000L));

        assertThat(ProgressReporter.line(e)).isEqualTo(
                "epoch 1/3  step 10/47  2000 ex/s  loss 0.6123  acc 0.7100  rho 0.05000  gap 0.0123");
    }
}
