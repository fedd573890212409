package org.gsamflink.optimizer;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.gsamflink.optimizer.schedule.ConstantScheduler;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The guards of {@link Gsam#step}: the non-finite checks of the direction and of the new parameters and updater
 * state (with the rollback), clipping of the direction, the loss-spike guard, and for every skip reason that the
 * step leaves the whole state bit-identical.
 */
class GsamGuardsTest {

    private static final double TOL = 1e-10;
    // As in GsamLinearModelTest: w = (1, 1), L = 2.5, g = (1, 4).
    private static final double[][] X = {{1, 0}, {0, 2}};
    private static final double[] Y = {0, 0};

    /** Everything a skipped step must leave as it was. */
    private record Before(float[] params, float[] updater, int iterations, int epochs, long steps, double lastLr,
                          double lastRho, byte[] state, double[] learningRates) {

        static Before of(Gsam g, MultiLayerNetwork net) {
            INDArray u = net.getUpdater().getStateViewArray();
            return new Before(net.params().castTo(DataType.FLOAT).toFloatVector(),
                    u == null ? new float[0] : u.castTo(DataType.FLOAT).toFloatVector(), net.getIterationCount(),
                    net.getEpochCount(), g.stepCount(), g.lastLearningRate(), g.lastRho(), g.exportState(),
                    rates(net));
        }

        /** Asserts the step was skipped for {@code reason} and changed nothing but the skip counter. */
        void assertSkippedUnchanged(StepResult r, SkipReason reason, Gsam g, MultiLayerNetwork net, long skipped) {
            assertThat(r.skipReason()).isEqualTo(reason);
            assertThat(r.skipped()).isTrue();
            assertThat(g.skippedSteps()).isEqualTo(skipped);
            Before after = of(g, net);
            assertThat(after.params).containsExactly(params);
            assertThat(after.updater).containsExactly(updater);
            assertThat(after.iterations).isEqualTo(iterations);
            assertThat(after.epochs).isEqualTo(epochs);
            assertThat(after.steps).isEqualTo(steps);
            assertThat(Double.valueOf(after.lastLr)).isEqualTo(Double.valueOf(lastLr));   // NaN before the first step
            assertThat(Double.valueOf(after.lastRho)).isEqualTo(Double.valueOf(lastRho));
            assertThat(after.learningRates).containsExactly(learningRates);
            // The exported state is the same bytes but for the skip counter (and a spike joins the guard's run).
            GsamState a = GsamState.decode(after.state);
            GsamState b = GsamState.decode(state);
            assertThat(a.skippedSteps()).isEqualTo(b.skippedSteps() + 1);
            if (reason != SkipReason.LOSS_SPIKE) {
                assertThat(withoutSkipCounter(after.state)).isEqualTo(withoutSkipCounter(state));
            } else {
                assertThat(a.lossWindow()).containsExactly(b.lossWindow());
                assertThat(a.lossSpikes()).hasSize(b.lossSpikes().length + 1);
                assertThat(Arrays.copyOf(a.lossSpikes(), b.lossSpikes().length)).containsExactly(b.lossSpikes());
            }
        }
    }

    private static double[] rates(MultiLayerNetwork net) {
        return Arrays.stream(net.getLayers())
                .flatMap(l -> l.paramTable(false).keySet().stream().map(p -> l.getConfig().getUpdaterByParam(p)))
                .filter(IUpdater::hasLearningRate)
                .mapToDouble(u -> u.getLearningRate(0, 0))
                .toArray();
    }

    /** The state's bytes with the skip counter (bytes 14 to 21: after magic, version and step) zeroed. */
    private static byte[] withoutSkipCounter(byte[] state) {
        byte[] copy = state.clone();
        Arrays.fill(copy, 14, 22, (byte) 0);
        return copy;
    }

    /** ŷ = w·x, MSE, no bias, in float or double with any updater. */
    private static MultiLayerNetwork linear(DataType type, IUpdater updater, double... w) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(type).updater(updater)
                .list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(w.length).nOut(1).hasBias(false)
                        .activation(Activation.IDENTITY).weightInit(WeightInit.ZERO).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.setParams(Nd4j.createFromArray(w).reshape(1, w.length).castTo(type));
        return net;
    }

    private static DataSet batch(DataType type, double[][] x, double[] y) {
        DataSet d = TinyNetworks.regressionBatch(x, y);
        return new DataSet(d.getFeatures().castTo(type), d.getLabels().castTo(type));
    }

    private static DataSet good() {
        return TinyNetworks.regressionBatch(X, Y);
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static double[] minus(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    // ---- non-finite checks -------------------------------------------------------------------------------------

    @Test
    void hugeFiniteFeaturesGiveANonFiniteDirectionAndSkip() {
        // The reported case: finite but huge features (5e18) into a ReLU MLP 14-32-2 (float): g and g_p are finite
        // (‖g‖ ≈ 5e18, the report had 4.5e18), their dot product overflows float, the cosine is infinite and d is
        // not finite. The step must be skipped, not applied (it turned every parameter into NaN).
        MultiLayerNetwork net = TinyNetworks.init(new NeuralNetConfiguration.Builder()
                .seed(1).dataType(DataType.FLOAT).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(14).nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(32).nOut(2).activation(Activation.SOFTMAX).build())
                .build());
        Gsam g = new Gsam(net, GsamConfig.gsam(0.4, 0.05));
        g.step(TinyNetworks.classificationBatch(16, 14, 2, DataType.FLOAT, 1));
        DataSet huge = TinyNetworks.classificationBatch(16, 14, 2, DataType.FLOAT, 2);
        huge.getFeatures().muli(5e18);
        Before before = Before.of(g, net);

        StepResult r = g.step(huge);

        assertThat(r.cleanLoss()).isFinite();
        assertThat(r.gradNorm()).isFinite().isGreaterThan(1e18);
        assertThat(r.cosine()).isInfinite();
        before.assertSkippedUnchanged(r, SkipReason.NON_FINITE_DIRECTION, g, net, 1);
        assertThat(net.params().toFloatVector()).doesNotContain(Float.NaN);
        assertThat(g.step(TinyNetworks.classificationBatch(16, 14, 2, DataType.FLOAT, 3)).skipped()).isFalse();
    }

    @Test
    void aDirectionWithAnOverflowingDotProductIsNonFiniteInDoubleToo() {
        // x = 1e80, w = 1: residual 1e80, ‖g‖ ≈ 1e160 is finite, ⟨g, g_p⟩ ≈ 1e320 is not.
        MultiLayerNetwork net = TinyNetworks.linearRegression(0.01, 1, 1);
        Gsam g = new Gsam(net, GsamConfig.gsam(0.5, 0.1));
        Before before = Before.of(g, net);
        StepResult r = g.step(TinyNetworks.regressionBatch(new double[][] {{1e80, 0}}, new double[] {0}));
        assertThat(r.gradNorm()).isFinite();
        before.assertSkippedUnchanged(r, SkipReason.NON_FINITE_DIRECTION, g, net, 1);
    }

    @Test
    void anUpdateThatOverflowsTheParametersIsRolledBack() {
        // lr 1e308: the update lr·g = (1e308, 4e308) overflows; w − update is −∞. With an lr scheduler the updater's
        // own learning rate must come back too.
        for (double rho : new double[] {0, 0.01}) {
            MultiLayerNetwork net = TinyNetworks.linearRegression(0.01, 1, 1);
            Gsam g = new Gsam(net, GsamConfig.builder().rho(rho).alpha(0.2)
                    .lrScheduler(ConstantScheduler.of(1e308)).build());
            Before before = Before.of(g, net);
            StepResult r = g.step(good());
            before.assertSkippedUnchanged(r, SkipReason.NON_FINITE_PARAMETERS, g, net, 1);
            assertThat(rates(net)).containsExactly(0.01);
            assertThat(r.directionNorm()).isFinite();
        }
    }

    @Test
    void adamsSecondMomentOverflowingIsRolledBackThoughDIsFinite() {
        // float, x = 1e10, w = 1: g = 2e20 is finite, g² = 4e40 is not; Adam's v becomes ∞ while the update itself
        // (m/√v) is 0 and the parameters stay finite. ρ = 0 (d = g) and SAM (d = g_p).
        for (double rho : new double[] {0, 0.01}) {
            MultiLayerNetwork net = linear(DataType.FLOAT, new Adam(1e-3), 1, 1);
            Gsam g = new Gsam(net, GsamConfig.sam(rho));
            g.step(batch(DataType.FLOAT, X, Y));
            Before before = Before.of(g, net);
            StepResult r = g.step(batch(DataType.FLOAT, new double[][] {{1e10, 0}}, new double[] {0}));
            assertThat(r.directionNorm()).isFinite();
            before.assertSkippedUnchanged(r, SkipReason.NON_FINITE_PARAMETERS, g, net, 1);
            assertThat(net.getUpdater().getStateViewArray().toFloatVector()).doesNotContain(Float.POSITIVE_INFINITY);
            assertThat(g.step(batch(DataType.FLOAT, X, Y)).skipped()).isFalse();
        }
    }

    @Test
    void everyOtherSkipReasonLeavesTheStateBitIdentical() {
        // NON_FINITE_LOSS: a NaN feature.
        MultiLayerNetwork net = linear(DataType.DOUBLE, new Adam(1e-2), 1, 1);
        Gsam g = new Gsam(net, GsamConfig.gsam(0.3, 0.05));
        g.step(good());
        Before before = Before.of(g, net);
        before.assertSkippedUnchanged(g.step(TinyNetworks.regressionBatch(new double[][] {{Double.NaN, 0}},
                new double[] {0})), SkipReason.NON_FINITE_LOSS, g, net, 1);

        // NON_FINITE_GRADIENT: x = 1e160, w = 1e-10: the loss (1e150)² = 1e300 is finite, g = 2·1e150·1e160 not.
        MultiLayerNetwork net2 = linear(DataType.DOUBLE, new Adam(1e-2), 1e-10, 0);
        Gsam g2 = new Gsam(net2, GsamConfig.gsam(0.3, 0.05));
        before = Before.of(g2, net2);
        StepResult r = g2.step(TinyNetworks.regressionBatch(new double[][] {{1e160, 0}}, new double[] {0}));
        assertThat(r.cleanLoss()).isFinite();
        before.assertSkippedUnchanged(r, SkipReason.NON_FINITE_GRADIENT, g2, net2, 1);

        // NON_FINITE_PERTURBED: ρ = 1e300 throws w̃ to 1e300, where the loss overflows.
        MultiLayerNetwork net3 = linear(DataType.DOUBLE, new Adam(1e-2), 1, 1);
        Gsam g3 = new Gsam(net3, GsamConfig.gsam(0.3, 1e300));
        before = Before.of(g3, net3);
        before.assertSkippedUnchanged(g3.step(good()), SkipReason.NON_FINITE_PERTURBED, g3, net3, 1);
    }

    // ---- clipping ----------------------------------------------------------------------------------------------

    @Test
    void clippingScalesTheDirectionToTheClipNormWithRhoZero() {
        // d = g = (1, 4), ‖d‖ = √17 (mean-loss units); Sgd: Δw = lr·d.
        MultiLayerNetwork net = TinyNetworks.linearRegression(0.01, 1, 1);
        Gsam g = new Gsam(net, GsamConfig.builder().rho(0).clipNorm(1.5).build());
        StepResult r = g.step(good());
        assertThat(r.clipped()).isTrue();
        assertThat(r.directionNorm()).isCloseTo(Math.sqrt(17), within(TOL));
        double[] step = minus(new double[] {1, 1}, net.params().toDoubleVector());
        assertThat(norm(step) / 0.01).isCloseTo(1.5, within(TOL));
        assertThat(step[1] / step[0]).isCloseTo(4.0, within(TOL));   // the direction is kept
    }

    @Test
    void clippingScalesTheGsamAndSamDirections() {
        // GSAM worked out by hand (GsamLinearModelTest): d = (172, 2023)/101. SAM: d = g_p = (2, 20).
        double[][] directions = {{172 / 101.0, 2023 / 101.0}, {2, 20}};
        double[] alphas = {0.5, 0};
        for (int i = 0; i < 2; i++) {
            MultiLayerNetwork net = TinyNetworks.linearRegression(0.01, 1, 1);
            Gsam g = new Gsam(net, GsamConfig.builder().alpha(alphas[i]).rho(Math.sqrt(17)).clipNorm(2).build());
            StepResult r = g.step(good());
            assertThat(r.clipped()).isTrue();
            assertThat(r.directionNorm()).isCloseTo(norm(directions[i]), within(1e-9));
            double[] step = minus(new double[] {1, 1}, net.params().toDoubleVector());
            assertThat(norm(step) / 0.01).isCloseTo(2, within(TOL));
            assertThat(step[1] / step[0]).isCloseTo(directions[i][1] / directions[i][0], within(1e-9));
        }
    }

    @Test
    void belowTheClipNormNothingChanges() {
        for (double rho : new double[] {0, 0.05}) {
            MultiLayerNetwork plain = TinyNetworks.init(
                    TinyNetworks.mlp(6, 8, 3, new Adam(1e-2), DataType.FLOAT, 0, false, 5));
            MultiLayerNetwork clipped = TinyNetworks.init(
                    TinyNetworks.mlp(6, 8, 3, new Adam(1e-2), DataType.FLOAT, 0, false, 5));
            Gsam a = new Gsam(plain, GsamConfig.gsam(0.3, rho));
            Gsam b = new Gsam(clipped, GsamConfig.gsam(0.3, rho).toBuilder().clipNorm(1e6).build());
            for (int i = 0; i < 4; i++) {
                DataSet d = TinyNetworks.classificationBatch(8, 6, 3, DataType.FLOAT, i);
                StepResult ra = a.step(d);
                StepResult rb = b.step(d);
                assertThat(rb.clipped()).isFalse();
                assertThat(ra.clipped()).isFalse();
                assertThat(rb.directionNorm()).isEqualTo(ra.directionNorm()).isPositive().isLessThan(1e6);
            }
            assertThat(clipped.params().toFloatVector()).containsExactly(plain.params().toFloatVector());
            assertThat(b.exportState()).isEqualTo(a.exportState());
        }
    }

    @Test
    void batchNormStatisticsAreNotClipped() {
        // lr = 0: only BatchNorm's running statistics move, and a tiny clip norm must not shrink their updates.
        for (double rho : new double[] {0, 0.05}) {
            MultiLayerConfiguration conf = TinyNetworks.mlp(6, 8, 3, new Sgd(0.0), DataType.DOUBLE, 0, true, 9);
            MultiLayerNetwork plain = TinyNetworks.init(conf);
            MultiLayerNetwork clipped = TinyNetworks.init(conf.clone());
            DataSet d = TinyNetworks.classificationBatch(8, 6, 3, DataType.DOUBLE, 4);
            new Gsam(plain, GsamConfig.gsam(0.3, rho)).step(d);
            StepResult r = new Gsam(clipped, GsamConfig.gsam(0.3, rho).toBuilder().clipNorm(1e-9).build()).step(d);
            assertThat(r.clipped()).isTrue();
            assertThat(clipped.params().toDoubleVector()).containsExactly(plain.params().toDoubleVector());
        }
    }

    // ---- loss-spike guard --------------------------------------------------------------------------------------

    /** lr 0: the parameters never move, so a batch's loss is fixed: y = 0 with x scaled by s gives L = 2.5·s². */
    private static DataSet scaled(double s) {
        return TinyNetworks.regressionBatch(new double[][] {{s, 0}, {0, 2 * s}}, Y);
    }

    private static final LossSpikeGuard GUARD = LossSpikeGuard.builder().factor(3).windowSize(8).warmupSteps(4)
            .maxConsecutiveSpikes(2).build();

    @Test
    void anIsolatedSpikeAfterTheWarmUpIsSkipped() {
        for (double rho : new double[] {0, 0.05}) {
            MultiLayerNetwork net = linear(DataType.DOUBLE, new Adam(1e-3), 1, 1);
            Gsam g = new Gsam(net, GsamConfig.builder().rho(rho).lossSpikeGuard(GUARD).build());
            // During the warm-up (3 losses in the window) a spike is trained on.
            for (int i = 0; i < 3; i++) {
                assertThat(g.step(scaled(1 + 0.01 * i)).skipped()).isFalse();
            }
            assertThat(g.step(scaled(3)).skipped()).isFalse();   // L = 22.5: 9× the level, but still warming up
            for (int i = 0; i < 4; i++) {
                assertThat(g.step(scaled(1)).skipped()).isFalse();
            }
            assertThat(g.lossSpikeLevel()).isCloseTo(2.5, within(0.2));
            Before before = Before.of(g, net);
            StepResult spike = g.step(scaled(2));   // L = 10: 4× the median 2.5
            before.assertSkippedUnchanged(spike, SkipReason.LOSS_SPIKE, g, net, 1);
            assertThat(spike.cleanLoss()).isCloseTo(10, within(0.5));   // Adam moved w a little
            // 2.9× is no spike; and the run of spikes ended.
            assertThat(g.step(scaled(Math.sqrt(2.9))).skipped()).isFalse();
            assertThat(GsamState.decode(g.exportState()).lossSpikes()).isEmpty();
        }
    }

    @Test
    void aLastingShiftIsAcceptedAfterKSpikesAndRelevels() {
        MultiLayerNetwork net = linear(DataType.DOUBLE, new Adam(1e-3), 1, 1);
        Gsam g = new Gsam(net, GsamConfig.builder().rho(0.05).lossSpikeGuard(GUARD).build());
        for (int i = 0; i < 6; i++) {
            g.step(scaled(1));
        }
        // The data changes for good: every loss is now 100× the old level.
        assertThat(g.step(scaled(10)).skipReason()).isEqualTo(SkipReason.LOSS_SPIKE);
        assertThat(g.step(scaled(10)).skipReason()).isEqualTo(SkipReason.LOSS_SPIKE);
        StepResult third = g.step(scaled(10));   // K = 2 spikes skipped: the third is trained on
        assertThat(third.skipped()).isFalse();
        assertThat(g.lossSpikeLevel()).isCloseTo(third.cleanLoss(), within(1.0));
        for (int i = 0; i < 10; i++) {
            assertThat(g.step(scaled(10)).skipped()).as("step %d after the shift", i).isFalse();
        }
        assertThat(g.skippedSteps()).isEqualTo(2);
    }

    @Test
    void theGuardStateRoundTripsThroughExportAndImport() {
        GsamConfig cfg = GsamConfig.builder().rho(0.05).alpha(0.2).lossSpikeGuard(GUARD).build();
        MultiLayerNetwork net = linear(DataType.DOUBLE, new Adam(1e-3), 1, 1);
        Gsam g = new Gsam(net, cfg);
        for (int i = 0; i < 10; i++) {
            g.step(scaled(1 + 0.01 * i));   // more than the window: the ring buffer has wrapped
        }
        assertThat(g.step(scaled(5)).skipReason()).isEqualTo(SkipReason.LOSS_SPIKE);
        byte[] state = g.exportState();
        assertThat(((state[4] & 0xff) << 8) | (state[5] & 0xff)).isEqualTo(GsamState.WITH_PARAMETERS_AND_GUARD_VERSION);
        GsamState decoded = GsamState.decode(state);
        assertThat(decoded.lossWindow()).hasSize(8);
        assertThat(decoded.lossSpikes()).hasSize(1);
        assertThat(decoded.encode()).isEqualTo(state);

        MultiLayerNetwork resumedNet = linear(DataType.DOUBLE, new Adam(1e-3), 7, 7);
        Gsam resumed = new Gsam(resumedNet, cfg);
        resumed.importState(state);
        assertThat(resumed.exportState()).isEqualTo(state);
        assertThat(resumed.lossSpikeLevel()).isEqualTo(g.lossSpikeLevel());
        for (double s : new double[] {5, 5, 1, 5, 1.05}) {   // spike, re-level, …: both continue identically
            StepResult a = g.step(scaled(s));
            StepResult b = resumed.step(scaled(s));
            assertThat(b.skipReason()).isEqualTo(a.skipReason());
            assertThat(resumed.exportState()).isEqualTo(g.exportState());
        }
        byte[] counters = g.exportStateWithoutParameters();
        assertThat(((counters[4] & 0xff) << 8) | (counters[5] & 0xff))
                .isEqualTo(GsamState.WITHOUT_PARAMETERS_WITH_GUARD_VERSION);
        assertThat(GsamState.decode(counters).lossWindow()).containsExactly(GsamState.decode(g.exportState()).lossWindow());
    }

    @Test
    void withoutAGuardTheRestoredStatisticIsKeptAsItWas() {
        MultiLayerNetwork net = linear(DataType.DOUBLE, new Adam(1e-3), 1, 1);
        Gsam guarded = new Gsam(net, GsamConfig.builder().rho(0).lossSpikeGuard(GUARD).build());
        for (int i = 0; i < 5; i++) {
            guarded.step(scaled(1));
        }
        byte[] state = guarded.exportState();
        Gsam unguarded = new Gsam(linear(DataType.DOUBLE, new Adam(1e-3), 1, 1), GsamConfig.builder().rho(0).build());
        unguarded.importState(state);
        assertThat(unguarded.lossSpikeLevel()).isNaN();
        assertThat(unguarded.step(scaled(100)).skipped()).isFalse();
        assertThat(GsamState.decode(unguarded.exportState()).lossWindow())
                .containsExactly(GsamState.decode(state).lossWindow());
    }

    @Test
    void rhoZeroWithTheGuardsOnButIdleIsStillDl4jsFit() {
        MultiLayerConfiguration conf = TinyNetworks.mlp(12, 16, 4, new Adam(1e-2), DataType.FLOAT, 0, false, 3);
        MultiLayerNetwork viaFit = TinyNetworks.init(conf);
        MultiLayerNetwork viaGsam = TinyNetworks.init(conf.clone());
        Gsam gsam = new Gsam(viaGsam, GsamConfig.builder().rho(0).clipNorm(1e9)
                .lossSpikeGuard(LossSpikeGuard.builder().factor(100).windowSize(4).warmupSteps(2).build()).build());
        for (int i = 0; i < 8; i++) {
            DataSet b = TinyNetworks.classificationBatch(32, 12, 4, DataType.FLOAT, 100 + i);
            viaFit.fit(b);
            assertThat(gsam.step(b).skipped()).isFalse();
        }
        assertThat(viaGsam.params().toFloatVector()).containsExactly(viaFit.params().toFloatVector());
        assertThat(viaGsam.getUpdater().getStateViewArray().toFloatVector())
                .containsExactly(viaFit.getUpdater().getStateViewArray().toFloatVector());
    }

    @Test
    void skipReasonsHaveStableLabels() {
        assertThat(List.of(SkipReason.values()).stream().map(SkipReason::label)).containsExactly("non-finite-loss",
                "non-finite-gradient", "non-finite-perturbed", "non-finite-direction", "non-finite-parameters",
                "loss-spike");
    }
}
