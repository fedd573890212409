package org.gsamflink.cli.demo;

import org.gsamflink.pipeline.model.ImageShape;
import org.gsamflink.cli.data.LabeledData;

import java.util.Random;

/**
 * A generated stand-in for Fashion-MNIST when Debian's {@code dataset-fashion-mnist} is not installed: 28×28
 * grey images in [0, 1], 10 classes. Each class has a fixed prototype of three soft blobs; an example is its
 * class prototype, shifted by up to two pixels, scaled in brightness and overlaid with noise. Learnable (an MLP
 * reaches well above chance within a few hundred steps) but not trivially separable.
 */
public final class GeneratedImages {

    public static final int SIDE = 28;
    public static final int CLASSES = 10;

    private GeneratedImages() {}

    /** {@code n} examples drawn with {@code seed}; the prototypes depend only on the class, not the seed. */
    public static LabeledData generate(int n, long seed) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be > 0, got " + n);
        }
        float[][] prototypes = prototypes();
        Random r = new Random(seed);
        int size = SIDE * SIDE;
        float[] x = new float[n * size];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(CLASSES);
            y[i] = c;
            int dx = r.nextInt(5) - 2;
            int dy = r.nextInt(5) - 2;
            float brightness = 0.6f + 0.4f * r.nextFloat();
            for (int row = 0; row < SIDE; row++) {
                for (int col = 0; col < SIDE; col++) {
                    int sr = Math.floorMod(row - dy, SIDE);
                    int sc = Math.floorMod(col - dx, SIDE);
                    float v = brightness * prototypes[c][sr * SIDE + sc] + 0.35f * (float) r.nextGaussian();
                    x[i * size + row * SIDE + col] = Math.min(1f, Math.max(0f, v));
                }
            }
        }
        return new LabeledData("generated images (seed " + seed + ")", x, y, size, CLASSES,
                new ImageShape(SIDE, SIDE, 1));
    }

    private static float[][] prototypes() {
        Random r = new Random(20221);
        float[][] p = new float[CLASSES][SIDE * SIDE];
        for (int c = 0; c < CLASSES; c++) {
            for (int blob = 0; blob < 3; blob++) {
                double cy = 4 + r.nextDouble() * (SIDE - 8);
                double cx = 4 + r.nextDouble() * (SIDE - 8);
                double sigma = 2 + r.nextDouble() * 3;
                for (int row = 0; row < SIDE; row++) {
                    for (int col = 0; col < SIDE; col++) {
                        double d2 = (row - cy) * (row - cy) + (col - cx) * (col - cx);
                        p[c][row * SIDE + col] += (float) Math.exp(-d2 / (2 * sigma * sigma));
                    }
                }
            }
            for (int k = 0; k < p[c].length; k++) {
                p[c][k] = Math.min(1f, p[c][k]);
            }
        }
        return p;
    }
}
