package org.gsamflink.cli;

import org.gsamflink.cli.data.CsvReader;
import org.gsamflink.cli.data.DataFormat;
import org.gsamflink.cli.train.OfflineTrainer;
import org.gsamflink.cli.train.StepsCsvWriter;
import org.gsamflink.optimizer.OptimizerKind;
import org.gsamflink.optimizer.OptimizerSettings;
import org.gsamflink.optimizer.PerturbationMode;
import org.gsamflink.pipeline.model.ModelFactory;
import org.gsamflink.pipeline.model.NetworkSpec;
import org.gsamflink.pipeline.model.UpdaterKind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The option groups of {@link TrainCommand} ({@code gsam-flink train}), one class per help section, and their
 * converters. Values are checked by {@link TrainCommand#validateOptions()}, not here.
 */
final class TrainOptions {

    private TrainOptions() {}

    static final class DataOptions {
        @Option(names = "--data", arity = "1..2", paramLabel = "PATH",
                description = "Training data (required): a directory with train-images-idx3-ubyte[.gz] and "
                        + "train-labels-idx1-ubyte[.gz], an IDX images file and its labels file, or a CSV file.")
        List<Path> train;

        @Option(names = "--test", arity = "1..2", paramLabel = "PATH",
                description = "Held-out data, evaluated after every epoch: a directory (its t10k-* files), an IDX "
                        + "images file and its labels file, or a CSV file.")
        List<Path> test;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "auto",
                converter = LowerCaseEnumConverter.Format.class,
                description = "auto, idx or csv (default: ${DEFAULT-VALUE}: directories and IDX magic numbers are "
                        + "IDX, anything else CSV).")
        DataFormat format = DataFormat.AUTO;

        @Option(names = "--limit", paramLabel = "N",
                description = "Use only the first N training examples.")
        Integer limit;

        @Option(names = "--num-classes", paramLabel = "N",
                description = "Number of classes (default: the largest label + 1); labels must be below it.")
        Integer numClasses;

        @Option(names = "--csv-delimiter", paramLabel = "CHAR", defaultValue = ",",
                converter = DelimiterConverter.class,
                description = "CSV field separator (default '${DEFAULT-VALUE}'; 'tab' or '\\t' for tabs).")
        char csvDelimiter = CsvReader.DEFAULT_DELIMITER;

        @Option(names = "--csv-header", description = "The first CSV line is a header: skip it.")
        boolean csvHeader;

        @Option(names = "--label-column", paramLabel = "N", defaultValue = "-1",
                description = "0-based CSV column of the label; negative counts from the end (default "
                        + "${DEFAULT-VALUE}: the last column).")
        int labelColumn = CsvReader.DEFAULT_LABEL_COLUMN;

        @Option(names = "--scale", paramLabel = "X",
                description = "Divide CSV feature values by X (e.g. 255 for pixel values; IDX pixels are always "
                        + "scaled to [0,1]).")
        Double scale;
    }

    static final class ModelOptions {
        @Option(names = "--model", paramLabel = "SPEC", converter = NetworkSpecConverter.class, description = {
            "mlp:IN-HIDDEN-...-OUT (ReLU hidden layers, softmax output), e.g. mlp:784-256-10;",
            "cnn:HxWxC-CLASSES (two conv 3x3 + max-pool 2x2, dense 128, softmax),",
            "  e.g. cnn:28x28x1-10;",
            "or a DL4J MultiLayerConfiguration JSON file.",
            "Default: an MLP FEATURES-256-CLASSES sized from the data."})
        NetworkSpec spec;

        @Option(names = "--init", paramLabel = "MODEL",
                description = "Start from a model saved by --out (a DL4J ModelSerializer zip, with its updater "
                        + "state), instead of --model.")
        Path init;

        @Option(names = "--label-smoothing", paramLabel = "S", defaultValue = "0.1",
                description = "Label smoothing of the cross-entropy loss of built-in models, in [0,1) "
                        + "(default ${DEFAULT-VALUE}).")
        double labelSmoothing = ModelFactory.DEFAULT_LABEL_SMOOTHING;
    }

    static final class OptimizerOptions {
        @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "gsam",
                converter = LowerCaseEnumConverter.Optimizer.class,
                description = "sgd (the base optimizer alone, rho 0), sam (alpha 0), asam (alpha 0, adaptive "
                        + "perturbation) or gsam (default: ${DEFAULT-VALUE}).")
        OptimizerKind kind = OptimizerSettings.DEFAULT_PRESET;

        @Option(names = "--alpha", paramLabel = "A",
                description = "GSAM's weight of the gap-reducing ascent component, >= 0 (default " + OptimizerSettings.DEFAULT_ALPHA
                        + "; gsam only).")
        Double alpha;

        @Option(names = "--rho-max", paramLabel = "RHO",
                description = "Perturbation radius at the peak learning rate (default " + OptimizerSettings.DEFAULT_RHO + ", asam "
                        + OptimizerSettings.DEFAULT_ASAM_RHO + ").")
        Double rhoMax;

        @Option(names = "--rho-min", paramLabel = "RHO",
                description = "Radius at --lr-min (default: --rho-max). Below --rho-max, rho follows the learning "
                        + "rate linearly (the paper's proportional schedule); equal, it is constant.")
        Double rhoMin;

        @Option(names = "--perturbation", paramLabel = "MODE",
                converter = LowerCaseEnumConverter.Perturbation.class,
                description = "Ascent direction: none (rho*g/|g|, default), asam (rho*w*w*g/|w*g|, the authors' "
                        + "code) or paper (rho*|w|*g/|g|, the paper's Algorithm 1).")
        PerturbationMode perturbation;

        @Option(names = "--minimize-fp", negatable = true, defaultValue = "true", fallbackValue = "true",
                arity = "0..1", paramLabel = "BOOL",
                description = "GSAM decomposition: the authors' d = g_p - alpha*g_perp (default, true) or, with "
                        + "--no-minimize-fp, JAX's d = g + alpha*g_p_perp.")
        boolean minimizeFp = OptimizerSettings.DEFAULT_MINIMIZE_FP;

        @Option(names = "--clip-norm", paramLabel = "NORM",
                description = "Clip the final direction (after the GSAM decomposition; the gradient with rho 0) to "
                        + "this global norm of the mean-loss gradient; 0 (default) = no clipping.")
        double clipNorm = OptimizerSettings.DEFAULT_CLIP_NORM;
    }

    static final class BaseOptimizerOptions {
        @Option(names = "--updater", paramLabel = "NAME", defaultValue = "nesterovs",
                converter = LowerCaseEnumConverter.Updater.class,
                description = "Base optimizer of built-in models: sgd, nesterovs (default), adam or adamw.")
        UpdaterKind updater = ModelFactory.DEFAULT_UPDATER;

        @Option(names = "--lr", paramLabel = "LR",
                description = "Peak learning rate (default 0.1 for sgd/nesterovs, 0.001 for adam/adamw; with "
                        + "--init or a JSON model: the model's own).")
        Double lr;

        @Option(names = "--lr-min", paramLabel = "LR",
                description = "Final learning rate of the linear, cosine and poly schedules (default 0).")
        Double lrMin;

        @Option(names = "--lr-schedule", paramLabel = "NAME", defaultValue = "cosine",
                converter = LowerCaseEnumConverter.Schedule.class,
                description = "constant, linear, cosine (default), step (x0.2 at 30/60/80%% of the steps) or poly "
                        + "(power -0.5); T = epochs x batches per epoch.")
        LrScheduleKind schedule = TrainCommand.DEFAULT_LR_SCHEDULE;

        @Option(names = "--warmup", paramLabel = "STEPS", defaultValue = "0",
                description = "Linear learning-rate warm-up from 0 over this many steps (default ${DEFAULT-VALUE}).")
        long warmup;

        @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9",
                description = "Momentum of --updater nesterovs, in [0,1) (default ${DEFAULT-VALUE}).")
        double momentum = ModelFactory.DEFAULT_MOMENTUM;

        @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "0",
                description = "Weight decay of the weights (not biases): L2 added to the gradient for "
                        + "sgd/nesterovs/adam, decoupled for adamw (default ${DEFAULT-VALUE}).")
        double weightDecay = ModelFactory.DEFAULT_WEIGHT_DECAY;
    }

    static final class TrainingOptions {
        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "128",
                description = "Minibatch size (default ${DEFAULT-VALUE}).")
        int batchSize = OfflineTrainer.DEFAULT_BATCH_SIZE;

        @Option(names = "--epochs", paramLabel = "N", defaultValue = "10",
                description = "Passes over the training data (default ${DEFAULT-VALUE}).")
        int epochs = TrainCommand.DEFAULT_EPOCHS;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
                description = "Seed of weight initialisation, shuffling and dropout masks (default ${DEFAULT-VALUE}).")
        long seed = OfflineTrainer.DEFAULT_SEED;

        @Option(names = "--no-shuffle", description = "Visit the training data in file order every epoch.")
        boolean noShuffle;
    }

    static final class OutputOptions {
        @Option(names = "--out", paramLabel = "MODEL",
                description = "Save the trained model (DL4J ModelSerializer zip, with updater state).")
        Path out;

        @Option(names = "--steps-csv", paramLabel = "FILE",
                description = "Write one CSV row per step: " + StepsCsvWriter.HEADER + ".")
        Path stepsCsv;
    }

    /** Parses --model specs at parse time, so a bad spec is a usage error naming the option. */
    static final class NetworkSpecConverter implements ITypeConverter<NetworkSpec> {
        @Override
        public NetworkSpec convert(String value) {
            try {
                return NetworkSpec.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** One character, or 'tab' / '\t' / 'space'. */
    static final class DelimiterConverter implements ITypeConverter<Character> {
        @Override
        public Character convert(String value) {
            switch (value.toLowerCase(Locale.ROOT)) {
                case "tab", "\\t" -> {
                    return '\t';
                }
                case "space" -> {
                    return ' ';
                }
                default -> {
                    if (value.length() != 1) {
                        throw new TypeConversionException("expected a single character (or 'tab', 'space') but was '"
                                + value + "'");
                    }
                    return value.charAt(0);
                }
            }
        }
    }
}
