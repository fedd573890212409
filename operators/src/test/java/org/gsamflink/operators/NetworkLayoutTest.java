package org.gsamflink.operators;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.gsamflink.optimizer.Gsam;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link NetworkLayout}, {@link ModelSettings} and {@link RestoreCompatibility}: what a restore may change. */
class NetworkLayoutTest {

    /** A 4 → hidden → 3 MLP; every argument is something a user may edit between a savepoint and its restore. */
    private static MultiLayerConfiguration mlp(int hidden, IUpdater updater, IUpdater outputUpdater, double l2,
                                               double dropout, Activation activation, DataType dtype, long seed) {
        DenseLayer.Builder dense = new DenseLayer.Builder().nIn(4).nOut(hidden).activation(activation);
        if (dropout > 0) {
            dense.dropOut(dropout);
        }
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(3)
                .activation(Activation.SOFTMAX);
        if (outputUpdater != null) {
            out.updater(outputUpdater);
        }
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(dtype).updater(updater).l2(l2)
                .list().layer(dense.build()).layer(out.build()).build();
    }

    private static MultiLayerConfiguration base() {
        return mlp(8, new Adam(0.01), null, 0, 0, Activation.RELU, DataType.FLOAT, 1);
    }

    private static ModelSpec spec(MultiLayerConfiguration conf) {
        return ModelSpec.builder().network(conf).numFeatures(4).numClasses(3).build();
    }

    private static NetworkLayout.Difference difference(MultiLayerConfiguration saved, MultiLayerConfiguration now) {
        return spec(saved).layout().differenceTo(spec(now).layout());
    }

    @Test
    void theLayoutNamesTypesShapesAndUpdaterBlocksAndParsesBack() {
        NetworkLayout layout = spec(base()).layout();
        assertThat(layout.encode()).isEqualTo("""
                gsam-layout 1
                dtype FLOAT
                params 67
                updater-state 134
                layer 0 DenseLayer W 4x8 b 8
                layer 1 OutputLayer W 8x3 b 3
                updater 0-67 Adam 134
                """);
        assertThat(NetworkLayout.parse(layout.encode())).isEqualTo(layout);
        assertThat(NetworkLayout.isLayout("ab".repeat(32))).isFalse();
        assertThat(layout.numParams()).isEqualTo(67);
        assertThat(layout.updaterStateLength()).isEqualTo(134);
    }

    @Test
    void hyperparametersAreSettingsNotLayout() {
        MultiLayerConfiguration changed = mlp(8, new Adam(0.001, 0.8, 0.99, 1e-7), null, 1e-4, 0.8,
                Activation.TANH, DataType.FLOAT, 77);
        assertThat(difference(base(), changed)).isNull();

        String changes = ModelSettings.changes(spec(base()).settings(), spec(changed).settings());
        assertThat(changes).contains("updater Adam(learningRate=0.01").contains("-> Adam(learningRate=0.001")
                .contains("regularization none -> [L2Regularization").contains("dropout none -> Dropout(p=0.8)")
                .contains("activation relu | softmax -> tanh | softmax").doesNotContain("alpha");
        assertThat(ModelSettings.changes(spec(base()).settings(), spec(base()).settings())).isNull();
        assertThat(ModelSettings.changes(null, spec(base()).settings())).as("settings of release 0.1.0").isNull();

        ModelSpec otherAlpha = ModelSpec.builder().network(base()).numFeatures(4).numClasses(3).alpha(0.1)
                .rho("constant:0.2").build();
        assertThat(ModelSettings.changes(spec(base()).settings(), otherAlpha.settings()))
                .isEqualTo("alpha " + org.gsamflink.optimizer.GsamConfig.DEFAULT_ALPHA + " -> 0.1; rho constant:0.05 -> constant:0.2");
    }

    @Test
    void anotherLayerSizeIsAnArchitectureChange() {
        NetworkLayout.Difference d = difference(base(), mlp(16, new Adam(0.01), null, 0, 0, Activation.RELU,
                DataType.FLOAT, 1));
        assertThat(d.keys()).containsExactly("model.architecture");
        assertThat(d.detail()).startsWith("layer 0: DenseLayer W 4x8 b 8 in the saved state, DenseLayer W 4x16 b 16 "
                + "configured; layer 1: OutputLayer W 8x3 b 3 in the saved state, OutputLayer W 16x3 b 3 configured");
    }

    @Test
    void anotherParameterTypeIsADtypeChange() {
        NetworkLayout.Difference d = difference(base(), mlp(8, new Adam(0.01), null, 0, 0, Activation.RELU,
                DataType.DOUBLE, 1));
        assertThat(d.keys()).containsExactly("model.dtype");
        assertThat(d.detail()).isEqualTo("dtype: FLOAT in the saved state, DOUBLE configured");
    }

    @Test
    void anotherUpdaterTypeIsAnUpdaterChange() {
        NetworkLayout.Difference d = difference(base(), mlp(8, new Nesterovs(0.01, 0.9), null, 0, 0,
                Activation.RELU, DataType.FLOAT, 1));
        assertThat(d.keys()).containsExactly("model.updater");
        assertThat(d.detail()).contains("updater-state: 134 in the saved state, 67 configured")
                .contains("updater 0-67: Adam 134 in the saved state, Nesterovs 67 configured");
    }

    @Test
    void aLayerOwnLearningRateSplitsTheUpdaterBlockAndIsSeen() {
        // DL4J stores all first moments of a block, then all second moments: one block split in two reorders the
        // flat state although its length stays 134, so these states must not be exchanged.
        NetworkLayout.Difference d = difference(base(), mlp(8, new Adam(0.01), new Adam(0.02), 0, 0,
                Activation.RELU, DataType.FLOAT, 1));
        assertThat(d.keys()).containsExactly("model.updater");
        assertThat(d.detail()).contains("updater 0-67: Adam 134 in the saved state, none configured")
                .contains("updater 0-40: none in the saved state, Adam 80 configured");
    }

    @Test
    void release010StateIsCheckedByItsArrayLengths() {
        ModelSpec spec = spec(base());
        ModelState saved = new ModelState();
        saved.architectureFingerprint = "ab".repeat(32);
        try (Gsam gsam = new Gsam(spec.newNetwork(), spec.gsamConfig())) {
            saved.optimizerState = gsam.exportState();
        }
        assertThat(RestoreCompatibility.problem(saved, spec)).isNull();
        saved.architectureFingerprint = spec.legacyFingerprint();
        assertThat(RestoreCompatibility.problem(saved, spec)).isNull();

        saved.architectureFingerprint = "ab".repeat(32);
        ModelSpec wider = spec(mlp(16, new Adam(0.01), null, 0, 0, Activation.RELU, DataType.FLOAT, 1));
        NetworkLayout.Difference d = RestoreCompatibility.problem(saved, wider);
        assertThat(d.keys()).containsExactly("model.architecture", "model.updater");
        assertThat(d.detail()).isEqualTo("the saved state (written by release 0.1.0) has 67 parameters and 134 "
                + "updater state values, the configured network 131 and 262");
    }

    @Test
    void theMessageNamesTheModelsAndTheKeys() {
        NetworkLayout.Difference d = new NetworkLayout.Difference("dtype: FLOAT in the saved state, DOUBLE "
                + "configured", java.util.List.of("model.dtype"));
        assertThat(RestoreCompatibility.message(Map.of("m-1", d))).startsWith("The saved state of model 'm-1' does "
                + "not fit the configured network (model.dtype changed): dtype: FLOAT in the saved state, DOUBLE "
                + "configured. Restore with the configuration the state was written with");
        Map<String, NetworkLayout.Difference> many = new java.util.HashMap<>();
        for (int i = 0; i < 7; i++) {
            many.put("m-" + i, d);
        }
        assertThat(RestoreCompatibility.message(many)).startsWith("The saved state of models 'm-0', 'm-1', 'm-2', "
                + "'m-3', 'm-4' and 2 more does not fit the configured network (model.dtype changed): m-0: dtype");
    }
}
