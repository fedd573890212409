package org.gsamflink.optimizer;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.schedule.CosineScheduler;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** GSAM on real DL4J networks: exactness against fit(), BatchNorm, dropout, the NaN guard, graphs, state. */
class GsamNetworkTest {

    private static final int IN = 12;
    private static final int HIDDEN = 16;
    private static final int CLASSES = 4;

    private static List<DataSet> batches(int count, DataType type) {
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(TinyNetworks.classificationBatch(32, IN, CLASSES, type, 100 + i));
        }
        return out;
    }

    @Test
    void rhoZeroReproducesTheUpdaterBitForBit() {
        // Weight decay and L2 live in the updater too; ρ = 0 must reproduce all of it.
        for (MultiLayerConfiguration conf : List.of(
                TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Adam(1e-2), DataType.FLOAT, 0, false, 3),
                TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Adam(1e-2), DataType.FLOAT, 0, false, 3, 1e-3, 0),
                TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Nesterovs(0.05, 0.9), DataType.FLOAT, 0, false, 3, 0, 1e-4))) {
            MultiLayerNetwork viaFit = TinyNetworks.init(conf);
            MultiLayerNetwork viaGsam = TinyNetworks.init(conf.clone());
            assertThat(viaGsam.params()).isEqualTo(viaFit.params());
            Gsam gsam = new Gsam(viaGsam, GsamConfig.builder().rho(0).alpha(0.7).build());
            for (DataSet b : batches(10, DataType.FLOAT)) {
                viaFit.fit(b);
                StepResult r = gsam.step(b);
                assertThat(r.surrogateGap()).isZero();
            }
            assertThat(viaGsam.params().toFloatVector()).as(conf.toString())
                    .containsExactly(viaFit.params().toFloatVector());
            assertThat(viaGsam.getUpdater().getStateViewArray().toFloatVector())
                    .containsExactly(viaFit.getUpdater().getStateViewArray().toFloatVector());
            assertThat(viaGsam.getIterationCount()).isEqualTo(viaFit.getIterationCount()).isEqualTo(10);
        }
    }

    @Test
    void cleanPredictionsAreTheNetworkOutputBeforeTheUpdate() {
        MultiLayerNetwork net = TinyNetworks.init(
                TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Sgd(0.1), DataType.DOUBLE, 0, false, 5));
        Gsam gsam = new Gsam(net, GsamConfig.gsam(0.5, 0.05));
        DataSet b = batches(1, DataType.DOUBLE).get(0);
        INDArray before = net.output(b.getFeatures(), false);
        StepResult r = gsam.step(b);
        assertThat(r.prediction().shape()).containsExactly(32, CLASSES);
        assertThat(r.prediction().equalsWithEps(before, 1e-12)).isTrue();
        assertThat(net.output(b.getFeatures(), false).equalsWithEps(before, 1e-6)).isFalse();
    }

    @Test
    void batchNormStatisticsComeFromTheCleanPassOnly() {
        MultiLayerConfiguration conf = TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Sgd(0.0), DataType.DOUBLE, 0, true, 9);
        MultiLayerNetwork cleanOnly = TinyNetworks.init(conf);
        MultiLayerNetwork viaGsam = TinyNetworks.init(conf.clone());
        // lr = 0: the only parameters that change are BatchNorm's running mean and variance.
        Gsam gsam = new Gsam(viaGsam, GsamConfig.gsam(0.5, 5.0));
        DataSet b = batches(1, DataType.DOUBLE).get(0);
        cleanOnly.fit(b);
        StepResult r = gsam.step(b);
        assertThat(r.surrogateGap()).isGreaterThan(1e-3);   // the perturbation was large and did happen
        // DL4J keeps the running mean and log10 of the standard deviation ("log10stdev") by default.
        INDArray expectedMean = cleanOnly.getLayer(1).getParam("mean");
        INDArray expectedStd = cleanOnly.getLayer(1).getParam("log10stdev");
        assertThat(expectedMean.equalsWithEps(Nd4j.zeros(DataType.DOUBLE, 1, HIDDEN), 1e-9)).isFalse();
        assertThat(viaGsam.getLayer(1).getParam("mean").equalsWithEps(expectedMean, 1e-12)).isTrue();
        assertThat(viaGsam.getLayer(1).getParam("log10stdev").equalsWithEps(expectedStd, 1e-12)).isTrue();
        assertThat(viaGsam.params().equalsWithEps(cleanOnly.params(), 1e-12)).isTrue();
    }

    @Test
    void dropoutDrawsTheSameMasksInBothPasses() {
        // With a vanishing ρ the perturbed loss equals the clean loss only if both passes dropped the same units;
        // independent masks at p = 0.5 would move the loss by orders of magnitude more.
        MultiLayerNetwork net = TinyNetworks.init(
                TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Sgd(0.1), DataType.DOUBLE, 0.5, false, 11));
        Gsam gsam = new Gsam(net, GsamConfig.gsam(0.2, 1e-9));
        for (DataSet b : batches(5, DataType.DOUBLE)) {
            StepResult r = gsam.step(b);
            assertThat(Math.abs(r.surrogateGap())).isLessThan(1e-7);
            assertThat(r.cosine()).isCloseTo(1.0, within(1e-6));
        }
    }

    @Test
    void dropoutMasksDifferBetweenSteps() {
        MultiLayerNetwork net = TinyNetworks.init(
                TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Sgd(0.0), DataType.DOUBLE, 0.5, false, 11));
        Gsam gsam = new Gsam(net, GsamConfig.gsam(0.2, 1e-9));
        DataSet b = batches(1, DataType.DOUBLE).get(0);
        double first = gsam.step(b).cleanLoss();
        double second = gsam.step(b).cleanLoss();   // lr = 0: same weights, only the masks can differ
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void nonFiniteLossSkipsTheStepAndKeepsTheModel() {
        MultiLayerNetwork net = TinyNetworks.init(
                TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Adam(1e-2), DataType.FLOAT, 0, false, 13));
        Gsam gsam = new Gsam(net, GsamConfig.gsam(0.3, 0.05));
        List<DataSet> good = batches(3, DataType.FLOAT);
        gsam.step(good.get(0));
        INDArray params = net.params().dup();
        INDArray updater = net.getUpdater().getStateViewArray().dup();
        int iterations = net.getIterationCount();

        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
            DataSet poisoned = good.get(1).copy();
            poisoned.getFeatures().putScalar(0, 3, bad);
            StepResult r = gsam.step(poisoned);
            assertThat(r.skipped()).isTrue();
            assertThat(net.params().toFloatVector()).containsExactly(params.toFloatVector());
            assertThat(net.getUpdater().getStateViewArray().toFloatVector()).containsExactly(updater.toFloatVector());
            assertThat(net.getIterationCount()).isEqualTo(iterations);
        }
        assertThat(gsam.skippedSteps()).isEqualTo(2);
        assertThat(gsam.stepCount()).isEqualTo(1);
        StepResult next = gsam.step(good.get(2));
        assertThat(next.skipped()).isFalse();
        assertThat(next.step()).isEqualTo(1);
    }

    @Test
    void computationGraphTrainsLikeTheEquivalentMultiLayerNetwork() {
        MultiLayerNetwork mln = TinyNetworks.init(
                TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Nesterovs(0.05, 0.9), DataType.DOUBLE, 0, false, 17));
        ComputationGraph graph = TinyNetworks.init(
                TinyNetworks.mlpGraph(IN, HIDDEN, CLASSES, new Nesterovs(0.05, 0.9), DataType.DOUBLE, 17));
        graph.setParams(mln.params().dup());
        GsamConfig cfg = GsamConfig.builder().alpha(0.4).rho(0.1).perturbation(PerturbationMode.ASAM).build();
        Gsam a = new Gsam(mln, cfg);
        Gsam b = new Gsam(graph, cfg);
        for (DataSet batch : batches(6, DataType.DOUBLE)) {
            StepResult ra = a.step(batch);
            StepResult rb = b.step(batch);
            assertThat(rb.cleanLoss()).isCloseTo(ra.cleanLoss(), within(1e-12));
            assertThat(rb.surrogateGap()).isCloseTo(ra.surrogateGap(), within(1e-12));
            assertThat(rb.predictions()).hasSize(1);
            assertThat(rb.prediction().equalsWithEps(ra.prediction(), 1e-12)).isTrue();
        }
        assertThat(graph.params().equalsWithEps(mln.params(), 1e-12)).isTrue();
    }

    @Test
    void lrSchedulerDrivesTheUpdaterLearningRate() {
        MultiLayerNetwork net = TinyNetworks.linearRegression(123.0, 1, 1);   // the configured rate is overridden
        CosineScheduler lr = CosineScheduler.builder().maxValue(0.1).minValue(0.0).totalSteps(4).build();
        Gsam gsam = new Gsam(net, GsamConfig.builder().rho(0).lrScheduler(lr).build());
        DataSet b = TinyNetworks.regressionBatch(new double[][] {{1, 0}}, new double[] {0});
        // L = w1², g = (2·w1, 0): plain SGD multiplies w1 by (1 − 2·lr_t).
        double w1 = 1;
        for (int t = 0; t < 6; t++) {
            StepResult r = gsam.step(b);
            assertThat(r.lr()).isEqualTo(lr.valueAt(t));
            w1 *= 1 - 2 * lr.valueAt(t);
            assertThat(net.params().getDouble(0)).isCloseTo(w1, within(1e-12));
        }
        assertThat(gsam.lastLearningRate()).isEqualTo(0.0);
    }

    @Test
    void stateRoundTripContinuesBitIdentically() {
        MultiLayerConfiguration conf = TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Adam(1e-2), DataType.FLOAT, 0.2, true, 21);
        GsamConfig cfg = GsamConfig.builder().alpha(0.4).rho(0.05).seed(77)
                .lrScheduler(CosineScheduler.builder().maxValue(1e-2).minValue(1e-4).totalSteps(20).build())
                .build();
        List<DataSet> data = batches(10, DataType.FLOAT);

        MultiLayerNetwork uninterrupted = TinyNetworks.init(conf);
        Gsam a = new Gsam(uninterrupted, cfg);
        MultiLayerNetwork first = TinyNetworks.init(conf.clone());
        Gsam b = new Gsam(first, cfg);
        for (int i = 0; i < 5; i++) {
            a.step(data.get(i));
            b.step(data.get(i));
        }
        byte[] state = b.exportState();
        b.close();

        // A fresh network with other initial weights and a fresh optimizer take over from the bytes.
        MultiLayerNetwork resumedNet = TinyNetworks.init(
                TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Adam(1e-2), DataType.FLOAT, 0.2, true, 999));
        Gsam resumed = new Gsam(resumedNet, cfg.toBuilder().seed(1).build());
        resumed.importState(state);
        assertThat(resumed.stepCount()).isEqualTo(5);
        for (int i = 5; i < 10; i++) {
            StepResult ra = a.step(data.get(i));
            StepResult rb = resumed.step(data.get(i));
            assertThat(rb.lr()).isEqualTo(ra.lr());
            assertThat(rb.cleanLoss()).isEqualTo(ra.cleanLoss());
        }
        assertThat(resumedNet.params().toFloatVector()).containsExactly(uninterrupted.params().toFloatVector());
        assertThat(resumedNet.getUpdater().getStateViewArray().toFloatVector())
                .containsExactly(uninterrupted.getUpdater().getStateViewArray().toFloatVector());
        assertThat(resumedNet.getIterationCount()).isEqualTo(uninterrupted.getIterationCount());
        assertThat(resumed.exportState()).isEqualTo(a.exportState());
    }

    @Test
    void stateFromAnotherArchitectureIsRejected() {
        Gsam small = new Gsam(TinyNetworks.linearRegression(0.1, 1, 1), GsamConfig.sam(0.1));
        byte[] state = small.exportState();
        Gsam other = new Gsam(TinyNetworks.linearRegression(0.1, 1, 1, 1), GsamConfig.sam(0.1));
        assertThatThrownBy(() -> other.importState(state))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different architecture");
        assertThatThrownBy(() -> other.importState(new byte[] {1, 2, 3, 4, 5, 6}))
                .hasMessageContaining("not a GSAM optimizer state");
        byte[] truncated = java.util.Arrays.copyOf(state, state.length - 3);
        assertThatThrownBy(() -> small.importState(truncated)).hasMessageContaining("truncated");
        byte[] future = state.clone();
        future[5] = 9;
        assertThatThrownBy(() -> small.importState(future)).hasMessageContaining("unsupported GSAM optimizer state version 9");
    }
}
