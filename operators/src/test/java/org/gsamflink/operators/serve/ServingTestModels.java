package org.gsamflink.operators.serve;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.operators.FeatureStandardizer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

/** Stored versions of a small MLP (4 features, 3 classes) for the serving tests; each version its own weights. */
final class ServingTestModels {

    static final int FEATURES = 4;
    static final int CLASSES = 3;

    private ServingTestModels() {}

    static MultiLayerNetwork network(long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(seed).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    /** Publishes version {@code v} of {@code model} (weights seeded by v) with {@code accuracy} in its metrics. */
    static MultiLayerNetwork publish(ModelStore store, String model, long v, double accuracy) throws IOException {
        return publish(store, model, v, accuracy, null);
    }

    /** The same, trained with standardization: {@code standardizer}'s statistics in the model zip (null: none). */
    static MultiLayerNetwork publish(ModelStore store, String model, long v, double accuracy,
                                     FeatureStandardizer standardizer) throws IOException {
        MultiLayerNetwork net = network(v);
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, zip, false);
        byte[] bytes = standardizer == null ? zip.toByteArray() : standardizer.addTo(zip.toByteArray());
        store.publish(ModelVersion.builder().modelBytes(bytes)
                .metadata(ModelMetadata.builder().modelId(model).version(v).metrics(Map.of("accuracy", accuracy))
                        .build())
                .build());
        return net;
    }
}
