package org.gsamflink.optimizer;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@code sharpness-every: k} ({@link SharpnessReuse}): the rule, exactness at k = 1, and state round trips. */
class SharpnessReuseTest {

    private static final int IN = 12;
    private static final int HIDDEN = 16;
    private static final int CLASSES = 4;
    private static final double LR = 0.1;

    private static List<DataSet> batches(int count, DataType type) {
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(TinyNetworks.classificationBatch(32, IN, CLASSES, type, 300 + i));
        }
        return out;
    }

    private static GsamConfig config(int every) {
        return GsamConfig.builder().alpha(0.3).rho(0.1).sharpnessEvery(every).build();
    }

    @Test
    void everyStepFullIsExactGsamBitForBit() {
        MultiLayerConfiguration conf = TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Adam(1e-2), DataType.FLOAT, 0, false, 5);
        MultiLayerNetwork exactNet = TinyNetworks.init(conf);
        MultiLayerNetwork oneNet = TinyNetworks.init(conf.clone());
        try (Gsam exact = new Gsam(exactNet, GsamConfig.builder().alpha(0.3).rho(0.1).build());
             Gsam one = new Gsam(oneNet, config(1))) {
            for (DataSet b : batches(20, DataType.FLOAT)) {
                StepResult e = exact.step(b);
                StepResult o = one.step(b);
                assertThat(o.surrogateGap()).isEqualTo(e.surrogateGap());
            }
            assertThat(one.exportState()).isEqualTo(exact.exportState());
            assertThat(GsamState.decode(one.exportState()).sharpnessCache()).as("k = 1 keeps no cache").isNull();
        }
    }

    /** The mean-loss gradient of {@code conf}'s network at {@code w} on {@code b}: one plain Sgd step's −Δw/lr. */
    private static double[] gradient(MultiLayerConfiguration conf, INDArray w, DataSet b) {
        MultiLayerNetwork net = TinyNetworks.init(conf.clone());
        net.setParams(w.dup());
        try (Gsam plain = new Gsam(net, GsamConfig.builder().rho(0).build())) {
            plain.step(b);
        }
        double[] before = w.toDoubleVector();
        double[] after = net.params().toDoubleVector();
        double[] g = new double[before.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = (before[i] - after[i]) / LR;
        }
        return g;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void anInBetweenStepIsTheCleanGradientPlusTheCachedCorrectionAtTheCurrentNorm() {
        // Plain Sgd makes the direction readable from the parameters: Δw = −lr·d.
        MultiLayerConfiguration conf = TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Sgd(LR), DataType.DOUBLE, 0, false, 9);
        List<DataSet> data = batches(2, DataType.DOUBLE);
        MultiLayerNetwork net = TinyNetworks.init(conf);
        try (Gsam gsam = new Gsam(net, config(5))) {
            INDArray w0 = net.params().dup();
            StepResult full = gsam.step(data.get(0));
            INDArray w1 = net.params().dup();
            StepResult between = gsam.step(data.get(1));
            INDArray w2 = net.params().dup();

            assertThat(full.surrogateGap()).isFinite();
            assertThat(full.perturbedLoss()).isFinite();
            assertThat(between.perturbedLoss()).as("no perturbed pass in between").isNaN();
            assertThat(between.surrogateGap()).isNaN();
            assertThat(between.cosine()).isNaN();
            assertThat(between.rho()).isEqualTo(0.1);

            double[] g0 = gradient(conf, w0, data.get(0));
            double[] g1 = gradient(conf, w1, data.get(1));
            double[] d0 = new double[g0.length];
            double[] d1 = new double[g0.length];
            for (int i = 0; i < g0.length; i++) {
                d0[i] = (w0.getDouble(i) - w1.getDouble(i)) / LR;
                d1[i] = (w1.getDouble(i) - w2.getDouble(i)) / LR;
            }
            double scale = norm(g1) / norm(g0);
            double differsFromG1 = 0;
            for (int i = 0; i < g0.length; i++) {
                double expected = g1[i] + scale * (d0[i] - g0[i]);
                assertThat(d1[i]).as("d1[%d]", i).isCloseTo(expected, within(1e-9));
                differsFromG1 = Math.max(differsFromG1, Math.abs(d1[i] - g1[i]));
            }
            assertThat(differsFromG1).as("the correction is not nothing").isGreaterThan(1e-6);
        }
    }

    @Test
    void theCacheSurvivesExportAndImportBitForBit() {
        MultiLayerConfiguration conf = TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Adam(1e-2), DataType.FLOAT, 0, false, 7);
        List<DataSet> data = batches(12, DataType.FLOAT);
        MultiLayerNetwork net = TinyNetworks.init(conf);
        try (Gsam a = new Gsam(net, config(5))) {
            for (int i = 0; i < 3; i++) {
                a.step(data.get(i));
            }
            byte[] atThree = a.exportState();
            GsamState decoded = GsamState.decode(atThree);
            assertThat(decoded.sharpnessCache()).isNotNull();
            assertThat(java.nio.ByteBuffer.wrap(atThree, 4, 2).getShort())
                    .isEqualTo(GsamState.WITH_PARAMETERS_AND_CACHE_VERSION);
            try (Gsam b = new Gsam(TinyNetworks.init(conf.clone()), config(5))) {
                b.importState(atThree);
                for (int i = 3; i < data.size(); i++) {
                    StepResult ra = a.step(data.get(i));
                    StepResult rb = b.step(data.get(i));
                    assertThat(rb.cleanLoss()).isEqualTo(ra.cleanLoss());
                }
                assertThat(b.exportState()).isEqualTo(a.exportState());
            }
            // Without parameters (a snapshot) the cache is kept too, and completing it from the zip keeps it.
            byte[] slim = a.exportStateWithoutParameters();
            assertThat(java.nio.ByteBuffer.wrap(slim, 4, 2).getShort())
                    .isEqualTo(GsamState.WITHOUT_PARAMETERS_WITH_CACHE_VERSION);
            assertThat(GsamState.decode(slim).sharpnessCache().toFloatVector())
                    .containsExactly(GsamState.decode(a.exportState()).sharpnessCache().toFloatVector());
        }
    }

    @Test
    void aStateWithoutCacheMakesTheNextStepFull() {
        MultiLayerConfiguration conf = TinyNetworks.mlp(IN, HIDDEN, CLASSES, new Adam(1e-2), DataType.FLOAT, 0, false, 7);
        List<DataSet> data = batches(4, DataType.FLOAT);
        try (Gsam exact = new Gsam(TinyNetworks.init(conf), config(1))) {
            exact.step(data.get(0));
            exact.step(data.get(1));
            try (Gsam every = new Gsam(TinyNetworks.init(conf.clone()), config(5))) {
                every.importState(exact.exportState());   // step 2, no cache: 2 % 5 != 0, but the step is full
                assertThat(every.step(data.get(2)).surrogateGap()).isFinite();
                assertThat(every.step(data.get(3)).surrogateGap()).as("then the cache is used").isNaN();
            }
        }
    }

    @Test
    void kMustBeAtLeastOne() {
        assertThatThrownBy(() -> GsamConfig.builder().sharpnessEvery(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sharpnessEvery must be >= 1 (1 = the full GSAM direction every step), got 0");
        assertThatThrownBy(() -> OptimizerSettings.builder().sharpnessEvery(-2))
                .hasMessageStartingWith("sharpnessEvery must be >= 1");
        assertThat(OptimizerSettings.builder().sharpnessEvery(5).build().toGsamConfig().sharpnessEvery()).isEqualTo(5);
        assertThat(OptimizerSettings.builder().build().sharpnessEvery()).isEqualTo(1);
    }
}
