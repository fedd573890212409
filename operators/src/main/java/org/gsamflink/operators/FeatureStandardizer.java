package org.gsamflink.operators;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Online standardization of a model's input ({@code model.standardize}): per feature the running mean and variance
 * of every example trained on, and {@code z = (x − mean) / std}, optionally clipped to {@code ±clip} (in standard
 * deviations), applied before the network in training, in {@code model predict} and in serving.
 *
 * <p>Statistics: Welford's running sums (count, mean, sum of squared deviations {@code M2}), updated a minibatch at
 * a time by the pairwise combination of Chan, Golub and LeVeque ("Algorithms for computing the sample variance",
 * The American Statistician 37(3), 1983): stable where the textbook {@code Σx² − n·mean²} cancels, in double
 * precision whatever the features' magnitude (float32 values squared stay far inside a double's range). The
 * standard deviation is the population one, {@code √(M2 / n)}; a feature without spread (std 0) maps to 0.
 *
 * <p>Order, as in River's pipelines (unsupervised steps learn from an example before transforming it): a training
 * minibatch first updates the statistics, then is standardized with them, so the very first batch is standardized
 * by its own statistics and a value, however extreme, is at most {@code √n} standard deviations out. The update is
 * {@linkplain #prepare prepared} without changing this object and {@linkplain #accept accepted} only when the step
 * was trained: a skipped or rolled-back step leaves the statistics exactly as they were. Prediction ({@link
 * #transform}) uses the statistics as they are, without updating them.
 *
 * <p>Formats: {@link #write} (keyed state, part of {@code ModelState} format 5, and the entry {@value #ZIP_ENTRY}
 * that {@link #addTo} puts into a snapshot's DL4J model zip, so a stored version standardizes as it was trained):
 * {@code byte format (1), double clip, int features, long count, then mean[features], m2[features] as doubles}.
 * DL4J's {@code ModelSerializer} ignores the extra entry. Not thread-safe.
 */
public final class FeatureStandardizer {

    /** The model-zip entry holding a snapshot's statistics. */
    public static final String ZIP_ENTRY = "gsam-standardizer.bin";
    private static final byte FORMAT = 1;
    /** A bound on the width a (corrupt) zip entry may claim; far above any model's input. */
    private static final int MAX_ZIP_FEATURES = 1 << 24;

    private double clip;
    private final int features;
    private long count;
    private final double[] mean;
    private final double[] m2;

    /** Empty statistics of {@code features} features; {@code clip} in standard deviations, 0 for none. */
    public FeatureStandardizer(int features, double clip) {
        if (features <= 0) {
            throw new IllegalArgumentException("a standardizer needs at least one feature, got " + features);
        }
        this.features = features;
        this.mean = new double[features];
        this.m2 = new double[features];
        setClip(clip);
    }

    private FeatureStandardizer(int features, double clip, long count, double[] mean, double[] m2) {
        this.features = features;
        this.clip = clip;
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
    }

    /** Checks a clip value: 0 (none) or positive and finite. */
    public static double checkClip(double clip) {
        if (!(clip >= 0) || Double.isInfinite(clip)) {
            throw new IllegalArgumentException("the standardization clip must be 0 (none) or a positive number of "
                    + "standard deviations, got " + clip);
        }
        return clip;
    }

    public int features() {
        return features;
    }

    /** Examples folded in so far. */
    public long count() {
        return count;
    }

    public double clip() {
        return clip;
    }

    /** Sets the clip (a restore with another {@code model.standardize-clip}); the statistics stay. */
    public void setClip(double clip) {
        this.clip = checkClip(clip);
    }

    public double mean(int feature) {
        return mean[feature];
    }

    /** The population standard deviation of {@code feature}; 0 before any example. */
    public double std(int feature) {
        return count == 0 ? 0 : Math.sqrt(m2[feature] / count);
    }

    /** A prepared update: the statistics with one minibatch folded in, and that minibatch standardized by them. */
    public static final class Update {
        private final FeatureStandardizer after;
        private final float[] standardized;

        private Update(FeatureStandardizer after, float[] standardized) {
            this.after = after;
            this.standardized = standardized;
        }

        /** The minibatch standardized by the updated statistics (a new array). */
        public float[] standardized() {
            return standardized;
        }
    }

    /**
     * Folds {@code rows} examples ({@code rows × features}, row-major) into a copy of the statistics and standardizes
     * them with it; this object is unchanged until {@link #accept}.
     */
    public Update prepare(float[] x, int rows) {
        checkShape(x, rows);
        double[] newMean = mean.clone();
        double[] newM2 = m2.clone();
        long n = count + rows;
        for (int j = 0; j < features; j++) {
            double sum = 0;
            for (int i = 0; i < rows; i++) {
                sum += x[i * features + j];
            }
            double batchMean = sum / rows;
            double batchM2 = 0;
            for (int i = 0; i < rows; i++) {
                double d = x[i * features + j] - batchMean;
                batchM2 += d * d;
            }
            double delta = batchMean - mean[j];
            newMean[j] = mean[j] + delta * rows / n;
            newM2[j] = m2[j] + batchM2 + delta * delta * ((double) count * rows / n);
        }
        FeatureStandardizer after = new FeatureStandardizer(features, clip, n, newMean, newM2);
        return new Update(after, after.transform(x, rows));
    }

    /** Makes a prepared update's statistics this object's. */
    public void accept(Update u) {
        if (u.after.features != features) {
            throw new IllegalArgumentException("an update of " + u.after.features + " features for a standardizer of "
                    + features);
        }
        count = u.after.count;
        System.arraycopy(u.after.mean, 0, mean, 0, features);
        System.arraycopy(u.after.m2, 0, m2, 0, features);
    }

    /**
     * {@code rows} examples standardized by the statistics as they are (a new array; the statistics do not change).
     * Results beyond float32's range are held at ±{@link Float#MAX_VALUE}, so the network never sees an infinity.
     */
    public float[] transform(float[] x, int rows) {
        checkShape(x, rows);
        double[] inverse = new double[features];
        for (int j = 0; j < features; j++) {
            double s = std(j);
            inverse[j] = s > 0 ? 1 / s : 0;
        }
        double limit = clip > 0 ? clip : Float.MAX_VALUE;
        float[] z = new float[x.length];
        for (int i = 0; i < rows; i++) {
            int row = i * features;
            for (int j = 0; j < features; j++) {
                double v = (x[row + j] - mean[j]) * inverse[j];
                z[row + j] = (float) Math.max(-limit, Math.min(limit, v));
            }
        }
        return z;
    }

    private void checkShape(float[] x, int rows) {
        if (rows <= 0 || x.length != (long) rows * features) {
            throw new IllegalArgumentException("expected " + rows + " rows of " + features + " features, got "
                    + x.length + " values");
        }
    }

    public FeatureStandardizer copy() {
        return new FeatureStandardizer(features, clip, count, mean.clone(), m2.clone());
    }

    public void write(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeDouble(clip);
        out.writeInt(features);
        out.writeLong(count);
        for (double v : mean) {
            out.writeDouble(v);
        }
        for (double v : m2) {
            out.writeDouble(v);
        }
    }

    /** Reads {@link #write}'s output; {@code maxFeatures} bounds the width a corrupt length could claim. */
    public static FeatureStandardizer read(DataInput in, int maxFeatures) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unsupported standardizer format " + format + " (this release reads " + FORMAT + ")");
        }
        double clip = in.readDouble();
        int features = in.readInt();
        long count = in.readLong();
        if (features <= 0 || features > maxFeatures || count < 0 || !(clip >= 0)) {
            throw new IOException("corrupt standardizer: " + features + " features, count " + count + ", clip " + clip);
        }
        double[] mean = new double[features];
        double[] m2 = new double[features];
        for (int j = 0; j < features; j++) {
            mean[j] = in.readDouble();
        }
        for (int j = 0; j < features; j++) {
            m2[j] = in.readDouble();
        }
        return new FeatureStandardizer(features, clip, count, mean, m2);
    }

    /** {@code modelZip} (a DL4J {@code ModelSerializer} zip) with this standardizer's entry added. */
    public byte[] addTo(byte[] modelZip) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(modelZip.length + 64 + 16 * features);
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(modelZip));
             ZipOutputStream out = new ZipOutputStream(bos)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (!e.getName().equals(ZIP_ENTRY)) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
            out.putNextEntry(new ZipEntry(ZIP_ENTRY));
            DataOutputStream data = new DataOutputStream(out);
            write(data);
            data.flush();
            out.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException("could not add the standardizer to a model zip", e);
        }
        return bos.toByteArray();
    }

    /** The standardizer a snapshot's model zip holds; empty when it was trained without one. */
    public static Optional<FeatureStandardizer> from(byte[] modelZip) throws IOException {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(modelZip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals(ZIP_ENTRY)) {
                    return Optional.of(read(new DataInputStream(in), MAX_ZIP_FEATURES));
                }
            }
        }
        return Optional.empty();
    }

    /** Equal statistics, bit for bit (for tests and the restore check). */
    public boolean sameAs(FeatureStandardizer o) {
        return o != null && features == o.features && count == o.count
                && Double.doubleToLongBits(clip) == Double.doubleToLongBits(o.clip)
                && Arrays.equals(mean, o.mean) && Arrays.equals(m2, o.m2);
    }

    @Override
    public String toString() {
        return "FeatureStandardizer{" + features + " features, " + count + " examples, clip "
                + (clip > 0 ? clip : "none") + '}';
    }
}
