package org.gsamflink.operators.serve;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.operators.FeatureStandardizer;
import org.gsamflink.optimizer.Predictions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One committed model version, restored and ready to answer: the network (without its updater state), its input
 * width and class count, the recent prequential accuracy the training job recorded with it (NaN when it has none)
 * and when it was committed and loaded. Immutable once built; only the operator's task thread calls {@link
 * #predict}, so the network is never used from two threads at once.
 */
public final class ServedModel {

    private final String modelId;
    private final long version;
    private final MultiLayerNetwork network;
    /** The input statistics the version was trained with; null when it was trained on raw features. */
    private final FeatureStandardizer standardizer;
    private final int numFeatures;
    private final int numClasses;
    private final double accuracy;
    private final long committedAtMs;
    private final long loadedAtMs;
    /** The parameters' type, which the input is cast to (read once: the network never changes). */
    private final DataType dataType;

    /** One request's answer: the class probabilities of each row and its predicted class. */
    public record Output(float[][] probabilities, int[] classes) {}

    ServedModel(String modelId, long version, MultiLayerNetwork network, FeatureStandardizer standardizer,
                int numFeatures, int numClasses, double accuracy, long committedAtMs, long loadedAtMs) {
        this.modelId = modelId;
        this.version = version;
        this.network = network;
        this.standardizer = standardizer;
        this.numFeatures = numFeatures;
        this.numClasses = numClasses;
        this.accuracy = accuracy;
        this.committedAtMs = committedAtMs;
        this.loadedAtMs = loadedAtMs;
        this.dataType = network == null ? DataType.FLOAT : network.params().dataType();
    }

    public String modelId() {
        return modelId;
    }

    public long version() {
        return version;
    }

    public int numFeatures() {
        return numFeatures;
    }

    public int numClasses() {
        return numClasses;
    }

    /** The prequential accuracy in the version's metrics summary; NaN when it has none. */
    public double accuracy() {
        return accuracy;
    }

    /** When the version's commit marker was written (epoch ms); 0 when the file system cannot tell. */
    public long committedAtMs() {
        return committedAtMs;
    }

    public long loadedAtMs() {
        return loadedAtMs;
    }

    /**
     * The class probabilities and predicted classes ({@link Predictions#predictedClasses}) of {@code rows} examples
     * ({@code rows × numFeatures} row-major): the network's output in inference mode, in float32, on the features
     * standardized by the version's statistics when it has them (as in training, without updating them).
     */
    public Output predict(float[] features, int rows) {
        float[] x = standardizer == null ? features : standardizer.transform(features, rows);
        INDArray in = Nd4j.create(x, new long[] {rows, numFeatures}, 'c');
        if (dataType != DataType.FLOAT) {
            in = in.castTo(dataType);
        }
        INDArray out = network.output(in, false);
        return new Output((out.dataType() == DataType.FLOAT ? out : out.castTo(DataType.FLOAT)).toFloatMatrix(),
                Predictions.predictedClasses(out, rows));
    }

    @Override
    public String toString() {
        return "ServedModel{" + modelId + " v" + version + ", " + numFeatures + " → " + numClasses
                + (standardizer == null ? "" : ", standardized") + '}';
    }
}
