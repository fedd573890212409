package org.gsamflink.optimizer;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * GSAM on linear regression with squared loss, where every quantity of GSAM.md has a closed form: the loss
 * L(w) = 1/N Σ (w·x_i − y_i)², its gradient 2/N Σ (w·x_i − y_i)·x_i. One step is worked out by hand; ten steps of
 * every perturbation mode and decomposition are checked against a direct transcription of GSAM.md in doubles.
 */
class GsamLinearModelTest {

    private static final double TOL = 1e-10;

    // x1 = (1, 0), y1 = 0; x2 = (0, 2), y2 = 0; w = (1, 1): residuals 1 and 2, L = 2.5, g = (1, 4).
    private static final double[][] X = {{1, 0}, {0, 2}};
    private static final double[] Y = {0, 0};

    @Test
    void oneStepWorkedOutByHand() {
        // ρ = ‖g‖ = √17 makes e = g = (1, 4), so w̃ = (2, 5): residuals 2 and 10, L_p = 52, g_p = (2, 20).
        // ⟨g, g_p⟩ = 82, g_⊥ = g − (82/404)·g_p = (60/101, −6/101), d = g_p − 0.5·g_⊥ = (172/101, 2023/101).
        MultiLayerNetwork net = TinyNetworks.linearRegression(0.01, 1, 1);
        Gsam gsam = new Gsam(net, GsamConfig.gsam(0.5, Math.sqrt(17)));

        StepResult r = gsam.step(TinyNetworks.regressionBatch(X, Y));

        assertThat(r.skipped()).isFalse();
        assertThat(r.cleanLoss()).isCloseTo(2.5, within(TOL));
        assertThat(r.perturbedLoss()).isCloseTo(52.0, within(TOL));
        assertThat(r.surrogateGap()).isCloseTo(49.5, within(TOL));
        assertThat(r.gradNorm()).isCloseTo(Math.sqrt(17), within(TOL));
        assertThat(r.perturbedGradNorm()).isCloseTo(Math.sqrt(404), within(TOL));
        assertThat(r.cosine()).isCloseTo(82 / Math.sqrt(17 * 404), within(TOL));
        assertThat(r.rho()).isEqualTo(Math.sqrt(17));
        double[] w = net.params().toDoubleVector();
        assertThat(w[0]).isCloseTo(1 - 0.01 * 172 / 101, within(TOL));
        assertThat(w[1]).isCloseTo(1 - 0.01 * 2023 / 101, within(TOL));
        assertThat(gsam.stepCount()).isEqualTo(1);
    }

    @Test
    void jaxDecompositionWorkedOutByHand() {
        // g_p⊥ = g_p − (⟨g, g_p⟩/‖g‖²)·g = (2, 20) − (82/17)·(1, 4) = (−48/17, 12/17); d = g + 0.5·g_p⊥ = (−7/17, 74/17).
        MultiLayerNetwork net = TinyNetworks.linearRegression(0.01, 1, 1);
        Gsam gsam = new Gsam(net, GsamConfig.builder().alpha(0.5).rho(Math.sqrt(17)).minimizeFp(false).build());

        gsam.step(TinyNetworks.regressionBatch(X, Y));

        double[] w = net.params().toDoubleVector();
        assertThat(w[0]).isCloseTo(1 + 0.01 * 7 / 17, within(TOL));
        assertThat(w[1]).isCloseTo(1 - 0.01 * 74 / 17, within(TOL));
    }

    @Test
    void paperPerturbationWorkedOutByHand() {
        // w = (1, 1) so |w| ⊙ g = g and e is the same as mode none: (1, 4) with ρ = √17.
        // Then with w = (2, 1): |w| ⊙ g differs; checked against the reference in the parameterized test.
        MultiLayerNetwork net = TinyNetworks.linearRegression(0.01, 1, 1);
        Gsam gsam = new Gsam(net, GsamConfig.builder().alpha(0.5).rho(Math.sqrt(17))
                .perturbation(PerturbationMode.PAPER).build());
        StepResult r = gsam.step(TinyNetworks.regressionBatch(X, Y));
        assertThat(r.perturbedLoss()).isCloseTo(52.0, within(TOL));
    }

    @Test
    void asamPerturbationWorkedOutByHand() {
        // w = (2, 1), x, y as above: residuals 2 and 2, L = 4, g = 2/2·(2·(1,0) + 2·(0,2)) = (2, 4).
        // w ⊙ w ⊙ g = (8, 4); ‖ |w| ⊙ g ‖ = ‖(4, 4)‖ = 4√2; with ρ = 4√2: e = (8, 4), w̃ = (10, 5).
        // Residuals 10 and 10: L_p = 100.
        MultiLayerNetwork net = TinyNetworks.linearRegression(0.01, 2, 1);
        Gsam gsam = new Gsam(net, GsamConfig.asam(4 * Math.sqrt(2)));
        StepResult r = gsam.step(TinyNetworks.regressionBatch(X, Y));
        assertThat(r.cleanLoss()).isCloseTo(4.0, within(TOL));
        assertThat(r.perturbedLoss()).isCloseTo(100.0, within(TOL));
        // α = 0: d = g_p = 2/2·(10·(1,0) + 10·(0,2)) = (10, 20).
        double[] w = net.params().toDoubleVector();
        assertThat(w[0]).isCloseTo(2 - 0.1, within(TOL));
        assertThat(w[1]).isCloseTo(1 - 0.2, within(TOL));
    }

    static Stream<Arguments> modes() {
        List<Arguments> out = new ArrayList<>();
        for (PerturbationMode mode : PerturbationMode.values()) {
            for (boolean minimizeFp : new boolean[] {true, false}) {
                for (double alpha : new double[] {0.0, 0.3}) {
                    out.add(Arguments.of(mode, minimizeFp, alpha));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} minimizeFp={1} alpha={2}")
    @MethodSource("modes")
    void tenStepsMatchTheReference(PerturbationMode mode, boolean minimizeFp, double alpha) {
        double lr = 0.05;
        double rho = 0.3;
        double[][] x = {{1, 0.5, -1}, {0.2, 2, 0.3}, {-1, 1, 1}, {0.5, -0.5, 2}};
        double[] y = {1, -2, 0.5, 3};
        MultiLayerNetwork net = TinyNetworks.linearRegression(lr, 0.5, -0.3, 0.8);
        Gsam gsam = new Gsam(net, GsamConfig.builder().alpha(alpha).rho(rho).perturbation(mode)
                .minimizeFp(minimizeFp).build());
        ReferenceGsam ref = new ReferenceGsam(new double[] {0.5, -0.3, 0.8}, x, y, alpha, rho, mode, minimizeFp, lr);
        DataSet batch = TinyNetworks.regressionBatch(x, y);

        for (int step = 0; step < 10; step++) {
            StepResult r = gsam.step(batch);
            ReferenceGsam.Result e = ref.step();
            assertThat(r.cleanLoss()).as("loss at step %d", step).isCloseTo(e.loss(), within(TOL));
            assertThat(r.perturbedLoss()).as("perturbed loss at step %d", step).isCloseTo(e.perturbedLoss(), within(TOL));
            assertThat(r.surrogateGap()).isCloseTo(e.perturbedLoss() - e.loss(), within(TOL));
            assertThat(r.gradNorm()).isCloseTo(e.gradNorm(), within(TOL));
            assertThat(r.perturbedGradNorm()).isCloseTo(e.perturbedGradNorm(), within(TOL));
            assertThat(r.cosine()).isCloseTo(e.cosine(), within(1e-9));
            double[] w = net.params().toDoubleVector();
            for (int i = 0; i < w.length; i++) {
                assertThat(w[i]).as("w[%d] after step %d", i, step).isCloseTo(ref.w[i], within(TOL));
            }
        }
    }

    @Test
    void alphaZeroIsSam() {
        double[][] x = {{1, 0.5, -1}, {0.2, 2, 0.3}, {-1, 1, 1}};
        double[] y = {1, -2, 0.5};
        DataSet batch = TinyNetworks.regressionBatch(x, y);
        MultiLayerNetwork a = TinyNetworks.linearRegression(0.1, 0.5, -0.3, 0.8);
        MultiLayerNetwork b = TinyNetworks.linearRegression(0.1, 0.5, -0.3, 0.8);
        Gsam gsamAlphaZero = new Gsam(a, GsamConfig.gsam(0.0, 0.2));
        Gsam sam = new Gsam(b, GsamConfig.sam(0.2));
        ReferenceGsam ref = new ReferenceGsam(new double[] {0.5, -0.3, 0.8}, x, y, 0, 0.2, PerturbationMode.NONE,
                true, 0.1);
        for (int i = 0; i < 10; i++) {
            gsamAlphaZero.step(batch);
            sam.step(batch);
            ref.samStep();
        }
        assertThat(a.params().toDoubleVector()).containsExactly(b.params().toDoubleVector());
        double[] w = a.params().toDoubleVector();
        for (int i = 0; i < w.length; i++) {
            assertThat(w[i]).isCloseTo(ref.w[i], within(TOL));
        }
    }

    /** GSAM.md transcribed in doubles for ŷ = w·x with L = 1/N Σ (ŷ − y)², plain SGD as the base optimizer. */
    static final class ReferenceGsam {
        record Result(double loss, double perturbedLoss, double gradNorm, double perturbedGradNorm, double cosine) {}

        final double[] w;
        final double[][] x;
        final double[] y;
        final double alpha;
        final double rho;
        final PerturbationMode mode;
        final boolean minimizeFp;
        final double lr;
        static final double EPS = 1e-12;

        ReferenceGsam(double[] w, double[][] x, double[] y, double alpha, double rho, PerturbationMode mode,
                      boolean minimizeFp, double lr) {
            this.w = w.clone();
            this.x = x;
            this.y = y;
            this.alpha = alpha;
            this.rho = rho;
            this.mode = mode;
            this.minimizeFp = minimizeFp;
            this.lr = lr;
        }

        double loss(double[] v) {
            double s = 0;
            for (int i = 0; i < x.length; i++) {
                double r = dot(v, x[i]) - y[i];
                s += r * r;
            }
            return s / x.length;
        }

        double[] grad(double[] v) {
            double[] g = new double[v.length];
            for (int i = 0; i < x.length; i++) {
                double r = dot(v, x[i]) - y[i];
                for (int j = 0; j < v.length; j++) {
                    g[j] += 2 * r * x[i][j] / x.length;
                }
            }
            return g;
        }

        Result step() {
            double[] g = grad(w);
            double gn = norm(g);
            double[] e = new double[w.length];
            switch (mode) {
                case NONE -> {
                    for (int j = 0; j < w.length; j++) e[j] = rho * g[j] / (gn + EPS);
                }
                case PAPER -> {
                    for (int j = 0; j < w.length; j++) e[j] = rho * Math.abs(w[j]) * g[j] / (gn + EPS);
                }
                case ASAM -> {
                    double[] wg = new double[w.length];
                    for (int j = 0; j < w.length; j++) wg[j] = Math.abs(w[j]) * g[j];
                    double n = norm(wg);
                    for (int j = 0; j < w.length; j++) e[j] = rho * w[j] * w[j] * g[j] / (n + EPS);
                }
            }
            double[] wt = new double[w.length];
            for (int j = 0; j < w.length; j++) wt[j] = w[j] + e[j];
            double[] gp = grad(wt);
            double gpn = norm(gp);
            double cos = dot(g, gp) / (gn * gpn + EPS);
            double[] d = new double[w.length];
            if (minimizeFp) {
                for (int j = 0; j < w.length; j++) {
                    double perp = g[j] - cos * gn * gp[j] / (gpn + EPS);
                    d[j] = gp[j] - alpha * perp;
                }
            } else {
                double proj = dot(g, gp) / ((gn + EPS) * (gn + EPS));
                for (int j = 0; j < w.length; j++) d[j] = g[j] + alpha * (gp[j] - proj * g[j]);
            }
            Result r = new Result(loss(w), loss(wt), gn, gpn, cos);
            for (int j = 0; j < w.length; j++) w[j] -= lr * d[j];
            return r;
        }

        /** SAM exactly as Foret et al.: descend along the gradient at w + ρ·g/‖g‖. */
        void samStep() {
            double[] g = grad(w);
            double gn = norm(g);
            double[] wt = new double[w.length];
            for (int j = 0; j < w.length; j++) wt[j] = w[j] + rho * g[j] / (gn + EPS);
            double[] gp = grad(wt);
            for (int j = 0; j < w.length; j++) w[j] -= lr * gp[j];
        }

        static double dot(double[] a, double[] b) {
            double s = 0;
            for (int i = 0; i < a.length; i++) s += a[i] * b[i];
            return s;
        }

        static double norm(double[] a) {
            return Math.sqrt(dot(a, a));
        }
    }
}
