package org.gsamflink.benchmarks;

import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.cli.report.RunReport;
import org.gsamflink.modelstore.ModelStore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Held-out accuracy of the models a run stored after given passes: with {@code training.snapshot-every-steps} a
 * multiple of the pass length, the store holds version {@code p × stepsPerPass} (the version is the training step)
 * after pass {@code p}; each is read back and evaluated as the final one is ({@link RunReport#evaluate}).
 */
final class PassEvaluation {

    private PassEvaluation() {}

    /** The greatest common divisor of {@code passes} (0 when there are none): the snapshot period in passes. */
    static int gcd(int[] passes) {
        int g = 0;
        for (int p : passes) {
            int a = g;
            int b = p;
            while (b != 0) {
                int t = a % b;
                a = b;
                b = t;
            }
            g = a;
        }
        return g;
    }

    /** Accuracy on {@code data} after each pass in {@code passes}; NaN where that version was not stored. */
    static double[] accuracies(Path store, String modelId, long stepsPerPass, int[] passes, LabeledData data)
            throws IOException {
        double[] out = new double[passes.length];
        if (passes.length == 0) {
            return out;
        }
        ModelStore models = ModelStore.builder().root(store.toUri()).build();
        List<Long> versions = models.listModels().contains(modelId) ? models.listVersions(modelId) : List.of();
        for (int i = 0; i < passes.length; i++) {
            long version = passes[i] * stepsPerPass;
            out[i] = versions.contains(version) ? RunReport.evaluate(models, modelId, version, data).value()
                    : Double.NaN;
        }
        return out;
    }
}
