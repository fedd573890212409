package org.gsamflink.pipeline.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkSpecTest {

    @Test
    void parsesMlpLayerSizes() {
        NetworkSpec spec = NetworkSpec.parse("mlp:784-256-10");

        assertThat(spec).isInstanceOf(NetworkSpec.Mlp.class);
        NetworkSpec.Mlp mlp = (NetworkSpec.Mlp) spec;
        assertThat(mlp.layerSizes()).containsExactly(784, 256, 10);
        assertThat(mlp.inputSize()).isEqualTo(784);
        assertThat(mlp.hiddenSizes()).containsExactly(256);
        assertThat(mlp.outputSize()).isEqualTo(10);
        assertThat(spec).hasToString("mlp:784-256-10");
        assertThat(((NetworkSpec.Mlp) NetworkSpec.parse("MLP: 4 - 2")).hiddenSizes()).isEmpty();
    }

    @Test
    void parsesCnnShapes() {
        assertThat(NetworkSpec.parse("cnn:28x28x1-10"))
                .isEqualTo(new NetworkSpec.Cnn(new ImageShape(28, 28, 1), 10))
                .hasToString("cnn:28x28x1-10");
        assertThat(NetworkSpec.parse("cnn:32X32x3-100")).isEqualTo(new NetworkSpec.Cnn(new ImageShape(32, 32, 3), 100));
        assertThat(NetworkSpec.parse("cnn:8x6-2")).isEqualTo(new NetworkSpec.Cnn(new ImageShape(8, 6, 1), 2));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "mlp:784|bad model spec 'mlp:784': needs at least an input and an output size, e.g. mlp:784-256-10",
        "mlp:784--10|bad model spec 'mlp:784--10': a layer size is missing",
        "mlp:784-abc-10|bad model spec 'mlp:784-abc-10': layer size 'abc' is not a positive integer",
        "mlp:784-0-10|bad model spec 'mlp:784-0-10': layer size 0 is not a positive integer",
        "mlp:784-256-1|bad model spec 'mlp:784-256-1': the output layer needs at least 2 classes",
        "mlp:784-99999999-10|bad model spec 'mlp:784-99999999-10': layer size 99999999 is larger than 1048576",
        "cnn:28x28x1|bad model spec 'cnn:28x28x1': expected cnn:HxWxC-CLASSES, e.g. cnn:28x28x1-10",
        "cnn:28-10|bad model spec 'cnn:28-10': the image shape must be HxW or HxWxC, e.g. 28x28x1",
        "cnn:3x3x1-10|bad model spec 'cnn:3x3x1-10': images must be at least 4x4 for two 2x2 poolings",
        "cnn:28x28x1-1|bad model spec 'cnn:28x28x1-1': the output layer needs at least 2 classes",
        "mlp|'mlp' needs its layer sizes; expected mlp:IN-HIDDEN-...-OUT (e.g. mlp:784-256-10), cnn:HxWxC-CLASSES (e.g. cnn:28x28x1-10), or a DL4J MultiLayerConfiguration JSON file",
        "resnet:50|'resnet:50' is neither a built-in model nor an existing file; expected mlp:IN-HIDDEN-...-OUT (e.g. mlp:784-256-10), cnn:HxWxC-CLASSES (e.g. cnn:28x28x1-10), or a DL4J MultiLayerConfiguration JSON file",
    })
    void rejectsBadSpecsWithMessage(String spec, String message) {
        assertThatThrownBy(() -> NetworkSpec.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void anExistingFileIsAConfiguration(@TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("net.json"), "{}");

        assertThat(NetworkSpec.parse(json.toString())).isEqualTo(new NetworkSpec.ConfigFile(json));
        assertThatThrownBy(() -> NetworkSpec.parse(dir.toString()))
                .hasMessageStartingWith("'" + dir + "' is a directory; expected mlp:");
    }
}
