package org.gsamflink.pipeline.model;


import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What network to train, as written on the command line ({@code --model}):
 *
 * <ul>
 *   <li>{@code mlp:IN-H1-…-OUT}: a multilayer perceptron with ReLU hidden layers of the given sizes and a softmax
 *       output, e.g. {@code mlp:784-256-10}; {@code mlp:784-10} is softmax regression;</li>
 *   <li>{@code cnn:HxWxC-CLASSES} (or {@code cnn:HxW-CLASSES} for one channel): a small CNN (two 3×3 convolutions
 *       with 2×2 max pooling, a dense layer, softmax), e.g. {@code cnn:28x28x1-10};</li>
 *   <li>a path to a DL4J {@code MultiLayerConfiguration} JSON file.</li>
 * </ul>
 *
 * {@link #parse} rejects anything else with an {@link IllegalArgumentException} whose message quotes the spec and
 * says what is wrong; {@link #toString()} gives the spec back.
 */
public sealed interface NetworkSpec permits NetworkSpec.Mlp, NetworkSpec.Cnn, NetworkSpec.ConfigFile {

    /** Largest layer size a built-in spec accepts. */
    int MAX_LAYER_SIZE = 1 << 20;

    /** The syntax of the built-in specs, for messages. */
    String SYNTAX = "mlp:IN-HIDDEN-...-OUT (e.g. mlp:784-256-10), cnn:HxWxC-CLASSES (e.g. cnn:28x28x1-10), or a "
            + "DL4J MultiLayerConfiguration JSON file";

    /**
     * Parses a spec; see the interface Javadoc.
     *
     * @throws IllegalArgumentException if {@code spec} is malformed, or names a file that does not exist
     */
    static NetworkSpec parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        String s = spec.trim();
        int colon = s.indexOf(':');
        String type = colon < 0 ? "" : s.substring(0, colon).toLowerCase();
        if (type.equals("mlp")) {
            return Mlp.parse(spec, s.substring(colon + 1));
        }
        if (type.equals("cnn")) {
            return Cnn.parse(spec, s.substring(colon + 1));
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty model spec; expected " + SYNTAX);
        }
        Path path = Path.of(s);
        if (Files.isRegularFile(path)) {
            return new ConfigFile(path);
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException("'" + spec + "' is a directory; expected " + SYNTAX);
        }
        if (s.equalsIgnoreCase("mlp") || s.equalsIgnoreCase("cnn")) {
            throw new IllegalArgumentException("'" + spec + "' needs its layer sizes; expected " + SYNTAX);
        }
        throw new IllegalArgumentException("'" + spec + "' is neither a built-in model nor an existing file; "
                + "expected " + SYNTAX);
    }

    /**
     * Multilayer perceptron.
     *
     * @param layerSizes input size, hidden sizes (ReLU), output size (softmax); at least two entries
     */
    record Mlp(List<Integer> layerSizes) implements NetworkSpec {

        public Mlp {
            layerSizes = List.copyOf(layerSizes);
            if (layerSizes.size() < 2) {
                throw new IllegalArgumentException("an MLP needs at least an input and an output size, got "
                        + layerSizes);
            }
            for (int size : layerSizes) {
                if (size < 1 || size > MAX_LAYER_SIZE) {
                    throw new IllegalArgumentException("layer sizes must be in [1, " + MAX_LAYER_SIZE + "], got "
                            + size);
                }
            }
            if (layerSizes.get(layerSizes.size() - 1) < 2) {
                throw new IllegalArgumentException("the softmax output needs at least 2 classes, got "
                        + layerSizes.get(layerSizes.size() - 1));
            }
        }

        static Mlp parse(String spec, String body) {
            String[] parts = body.split("-", -1);
            List<Integer> sizes = new ArrayList<>();
            for (String part : parts) {
                sizes.add(positiveInt(spec, part.trim(), "layer size"));
            }
            if (sizes.size() < 2) {
                throw bad(spec, "needs at least an input and an output size, e.g. mlp:784-256-10");
            }
            if (sizes.get(sizes.size() - 1) < 2) {
                throw bad(spec, "the output layer needs at least 2 classes");
            }
            return new Mlp(sizes);
        }

        public int inputSize() {
            return layerSizes.get(0);
        }

        public int outputSize() {
            return layerSizes.get(layerSizes.size() - 1);
        }

        public List<Integer> hiddenSizes() {
            return layerSizes.subList(1, layerSizes.size() - 1);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("mlp:");
            for (int i = 0; i < layerSizes.size(); i++) {
                sb.append(i == 0 ? "" : "-").append(layerSizes.get(i));
            }
            return sb.toString();
        }
    }

    /**
     * Small convolutional network for flat image input.
     *
     * @param input   image shape; height and width at least {@link #MIN_SIDE}
     * @param classes number of classes, ≥ 2
     */
    record Cnn(ImageShape input, int classes) implements NetworkSpec {

        /** Two 2×2 poolings need images of at least 4×4. */
        public static final int MIN_SIDE = 4;

        public Cnn {
            Objects.requireNonNull(input, "input");
            if (input.height() < MIN_SIDE || input.width() < MIN_SIDE) {
                throw new IllegalArgumentException("a CNN needs images of at least " + MIN_SIDE + "x" + MIN_SIDE
                        + ", got " + input);
            }
            if (classes < 2) {
                throw new IllegalArgumentException("the softmax output needs at least 2 classes, got " + classes);
            }
        }

        static Cnn parse(String spec, String body) {
            int dash = body.lastIndexOf('-');
            if (dash < 0) {
                throw bad(spec, "expected cnn:HxWxC-CLASSES, e.g. cnn:28x28x1-10");
            }
            String[] dims = body.substring(0, dash).toLowerCase().split("x", -1);
            if (dims.length < 2 || dims.length > 3) {
                throw bad(spec, "the image shape must be HxW or HxWxC, e.g. 28x28x1");
            }
            int h = positiveInt(spec, dims[0].trim(), "height");
            int w = positiveInt(spec, dims[1].trim(), "width");
            int c = dims.length == 3 ? positiveInt(spec, dims[2].trim(), "channels") : 1;
            int classes = positiveInt(spec, body.substring(dash + 1).trim(), "number of classes");
            if (h < MIN_SIDE || w < MIN_SIDE) {
                throw bad(spec, "images must be at least " + MIN_SIDE + "x" + MIN_SIDE + " for two 2x2 poolings");
            }
            if (classes < 2) {
                throw bad(spec, "the output layer needs at least 2 classes");
            }
            if ((long) h * w * c > MAX_LAYER_SIZE) {
                throw bad(spec, "images of " + h + "x" + w + "x" + c + " are too large");
            }
            return new Cnn(new ImageShape(h, w, c), classes);
        }

        @Override
        public String toString() {
            return "cnn:" + input + "-" + classes;
        }
    }

    /** A DL4J {@code MultiLayerConfiguration} in JSON. */
    record ConfigFile(Path path) implements NetworkSpec {
        public ConfigFile {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    private static int positiveInt(String spec, String token, String what) {
        if (token.isEmpty()) {
            throw bad(spec, "a " + what + " is missing");
        }
        int value;
        try {
            value = Integer.parseInt(token);
        } catch (NumberFormatException e) {
            throw bad(spec, what + " '" + token + "' is not a positive integer");
        }
        if (value < 1) {
            throw bad(spec, what + " " + value + " is not a positive integer");
        }
        if (value > MAX_LAYER_SIZE) {
            throw bad(spec, what + " " + value + " is larger than " + MAX_LAYER_SIZE);
        }
        return value;
    }

    private static IllegalArgumentException bad(String spec, String problem) {
        return new IllegalArgumentException("bad model spec '" + spec + "': " + problem);
    }
}
