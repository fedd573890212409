package org.gsamflink.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.optimizer.GsamConfig;
import org.gsamflink.optimizer.OptimizerKind;
import org.gsamflink.optimizer.PerturbationMode;
import org.gsamflink.optimizer.schedule.ConstantScheduler;
import org.gsamflink.optimizer.schedule.CosineScheduler;
import org.gsamflink.optimizer.schedule.LinearScheduler;
import org.gsamflink.optimizer.schedule.PolyScheduler;
import org.gsamflink.optimizer.schedule.ProportionScheduler;
import org.gsamflink.optimizer.schedule.RhoScheduler;
import org.gsamflink.optimizer.schedule.Scheduler;
import org.gsamflink.optimizer.schedule.StepScheduler;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.cli.data.CsvReader;
import org.gsamflink.cli.data.DataFormat;
import org.gsamflink.cli.data.DataLoader;
import org.gsamflink.cli.data.IdxReader;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.pipeline.model.ModelFactory;
import org.gsamflink.pipeline.model.NetworkSpec;
import org.gsamflink.pipeline.model.NetworkInfo;
import org.gsamflink.pipeline.model.UpdaterKind;
import org.gsamflink.cli.train.Accuracy;
import org.gsamflink.cli.train.EpochStats;
import org.gsamflink.cli.train.OfflineTrainer;
import org.gsamflink.cli.train.ProgressReporter;
import org.gsamflink.cli.train.StepsCsvWriter;
import org.gsamflink.cli.train.TrainingResult;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code gsam-flink train}: trains a network offline with {@link OfflineTrainer} on IDX or CSV data. Options are
 * validated before any data is read: each value on its own, then the rules across options (each a {@link
 * ParameterException} naming the options, exit code 2).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        versionProvider = GsamFlinkCli.Version.class,
        customSynopsis = "gsam-flink train --data=PATH [PATH] [--test=PATH [PATH]] [OPTIONS]",
        header = "Train a network offline with GSAM, SAM, ASAM or the plain base optimizer.",
        description = {
            "Reads MNIST-style IDX files (a directory, or an images file and a labels file, gzip or plain) or a CSV "
                    + "file, trains for --epochs passes and reports the running prequential accuracy (each batch is "
                    + "predicted before it is trained on) and, with --test, held-out accuracy after every epoch.",
            "",
            "Example:",
            "  gsam-flink train --data /usr/share/datasets/fashion-mnist --test /usr/share/datasets/fashion-mnist \\",
            "      --model mlp:784-256-10 --optimizer gsam --alpha 0.1 --rho-max 0.05 --epochs 3 --out model.zip"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCodes.OK_HELP, ExitCodes.RUNTIME_ERROR_HELP, ExitCodes.INVALID_INPUT_HELP})
public final class TrainCommand implements Callable<Integer> {

    private static final Logger LOG = LogManager.getLogger(TrainCommand.class);

    public static final OptimizerKind DEFAULT_OPTIMIZER = OptimizerKind.GSAM;
    public static final double DEFAULT_ALPHA = 0.1;
    public static final double DEFAULT_RHO = 0.05;
    /** ASAM's radius is in parameter-relative units and typically an order of magnitude larger. */
    public static final double DEFAULT_ASAM_RHO = 0.5;
    public static final LrScheduleKind DEFAULT_LR_SCHEDULE = LrScheduleKind.COSINE;
    public static final int DEFAULT_EPOCHS = 10;
    /** Hidden layer of the MLP used when neither --model nor --init is given. */
    public static final int DEFAULT_HIDDEN = 256;
    /** The step schedule: ×0.2 at 30 %, 60 % and 80 % of the steps (the GSAM authors' example). */
    static final double STEP_FACTOR = 0.2;
    static final double[] STEP_FRACTIONS = {0.3, 0.6, 0.8};

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingMixin logging;

    @ArgGroup(validate = false, heading = "%nData:%n", order = 1)
    DataOptions data = new DataOptions();

    @ArgGroup(validate = false, heading = "%nModel:%n", order = 2)
    ModelOptions model = new ModelOptions();

    @ArgGroup(validate = false, heading = "%nSharpness-aware optimizer:%n", order = 3)
    OptimizerOptions optimizer = new OptimizerOptions();

    @ArgGroup(validate = false, heading = "%nBase optimizer and learning rate:%n", order = 4)
    BaseOptimizerOptions base = new BaseOptimizerOptions();

    @ArgGroup(validate = false, heading = "%nTraining:%n", order = 5)
    TrainingOptions training = new TrainingOptions();

    @ArgGroup(validate = false, heading = "%nOutput:%n", order = 6)
    OutputOptions output = new OutputOptions();

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
        OptimizerKind kind = DEFAULT_OPTIMIZER;

        @Option(names = "--alpha", paramLabel = "A",
                description = "GSAM's weight of the gap-reducing ascent component, >= 0 (default " + DEFAULT_ALPHA
                        + "; gsam only).")
        Double alpha;

        @Option(names = "--rho-max", paramLabel = "RHO",
                description = "Perturbation radius at the peak learning rate (default " + DEFAULT_RHO + ", asam "
                        + DEFAULT_ASAM_RHO + ").")
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
        boolean minimizeFp = GsamConfig.DEFAULT_MINIMIZE_FP;
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
        LrScheduleKind schedule = DEFAULT_LR_SCHEDULE;

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
        int epochs = DEFAULT_EPOCHS;

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

    @Override
    public Integer call() {
        validateOptions();
        LabeledData train = loadTrainingData();
        LabeledData test = data.test == null ? null : loader().load("--test", data.test, IdxReader.Split.TEST);
        LOG.info("training data: {}", train);
        if (test != null) {
            LOG.info("test data: {}", test);
        }

        Nd4j.getRandom().setSeed(training.seed);
        MultiLayerNetwork net = createNetwork(train, test);
        double lr = learningRate(net);
        checkLrMin(lr);

        int stepsPerEpoch = OfflineTrainer.stepsPerEpoch(train.size(), training.batchSize);
        long totalSteps = (long) stepsPerEpoch * training.epochs;
        if (base.warmup >= totalSteps) {
            throw usage("--warmup (" + base.warmup + ") must be less than the total number of steps (" + totalSteps
                    + " = " + training.epochs + " epoch" + (training.epochs == 1 ? "" : "s") + " x " + stepsPerEpoch
                    + " batches of --batch-size " + training.batchSize + ")");
        }
        GsamConfig config = gsamConfig(lr, totalSteps);
        LOG.info("optimizer: {} {}", optimizer.kind, config);
        checkOutputPath("--out", output.out);
        checkOutputPath("--steps-csv", output.stepsCsv);

        TrainingResult result;
        try (StepsCsvWriter steps = output.stepsCsv == null ? null : new StepsCsvWriter(output.stepsCsv)) {
            OfflineTrainer.Builder trainer = OfflineTrainer.builder()
                    .network(net)
                    .optimizer(config)
                    .trainData(train)
                    .testData(test)
                    .batchSize(training.batchSize)
                    .epochs(training.epochs)
                    .shuffle(!training.noShuffle)
                    .seed(training.seed)
                    .listener(new ProgressReporter(System.console() != null ? spec.commandLine().getErr() : null,
                            ProgressReporter.DEFAULT_LOG_INTERVAL_MILLIS));
            if (steps != null) {
                trainer.listener(steps);
            }
            result = trainer.build().run();
        } catch (IOException e) {
            throw new UncheckedIOException(output.stepsCsv + ": cannot write", e);
        }

        PrintWriter out = spec.commandLine().getOut();
        EpochStats last = result.lastEpoch().stats();
        out.printf(Locale.ROOT, "trained %d steps in %.1f s (%d epoch%s x %d batches, %.0f examples/s); last epoch: "
                        + "mean loss %.4f, prequential accuracy %.4f%n", result.steps(), result.elapsedSeconds(),
                training.epochs, training.epochs == 1 ? "" : "s", stepsPerEpoch, last.examplesPerSecond(),
                last.meanLoss(), last.accuracy());
        if (result.skipped() > 0) {
            out.printf("warning: %d steps were skipped because of a NaN/Inf loss or gradient%n", result.skipped());
        }
        if (output.out != null) {
            try {
                ModelSerializer.writeModel(net, output.out.toFile(), true);
            } catch (IOException e) {
                throw new UncheckedIOException(output.out + ": cannot write the model", e);
            }
            out.println("saved model to " + output.out);
        }
        if (output.stepsCsv != null) {
            out.println("wrote " + result.steps() + " step rows to " + output.stepsCsv);
        }
        Accuracy testAccuracy = result.finalTestAccuracy().orElse(null);
        if (testAccuracy != null) {
            out.println("test accuracy " + testAccuracy);
        }
        out.flush();
        return ExitCodes.OK;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Validation

    /** All checks that need no data: each option's own range, then the rules across options. */
    void validateOptions() {
        if (data.train == null) {
            throw usage("missing required option --data PATH (training data: a directory, IDX images + labels, or "
                    + "a CSV file)");
        }
        // Each value on its own.
        if (data.limit != null && data.limit < 1) {
            throw usage("--limit must be >= 1, got " + data.limit);
        }
        if (data.numClasses != null && (data.numClasses < 2 || data.numClasses > CsvReader.MAX_CLASSES)) {
            throw usage("--num-classes must be in [2, " + CsvReader.MAX_CLASSES + "], got " + data.numClasses);
        }
        if (data.scale != null && !(Double.isFinite(data.scale) && data.scale > 0)) {
            throw usage("--scale must be a finite number > 0, got " + data.scale);
        }
        if (!(model.labelSmoothing >= 0 && model.labelSmoothing < 1)) {
            throw usage("--label-smoothing must be in [0, 1), got " + model.labelSmoothing);
        }
        nonNegative("--alpha", optimizer.alpha);
        nonNegative("--rho-max", optimizer.rhoMax);
        nonNegative("--rho-min", optimizer.rhoMin);
        if (base.lr != null && !(Double.isFinite(base.lr) && base.lr > 0)) {
            throw usage("--lr must be a finite number > 0, got " + base.lr);
        }
        nonNegative("--lr-min", base.lrMin);
        if (base.warmup < 0) {
            throw usage("--warmup must be >= 0, got " + base.warmup);
        }
        if (!(base.momentum >= 0 && base.momentum < 1)) {
            throw usage("--momentum must be in [0, 1), got " + base.momentum);
        }
        nonNegative("--weight-decay", base.weightDecay);
        if (training.batchSize < 1) {
            throw usage("--batch-size must be >= 1, got " + training.batchSize);
        }
        if (training.epochs < 1) {
            throw usage("--epochs must be >= 1, got " + training.epochs);
        }

        // Rules across options.
        if (model.spec != null && model.init != null) {
            throw usage("--model and --init exclude each other: a model saved with --out brings its own "
                    + "architecture");
        }
        boolean builtIn = model.init == null && !(model.spec instanceof NetworkSpec.ConfigFile);
        if (!builtIn) {
            String source = model.init != null ? "a model loaded with --init" : "a --model configuration file";
            for (String option : List.of("--updater", "--momentum", "--weight-decay", "--label-smoothing")) {
                if (given(option)) {
                    throw usage(option + " applies only to built-in models (mlp:..., cnn:...), not to " + source
                            + ", which brings its own updater and loss");
                }
            }
        }
        if (given("--momentum") && base.updater != UpdaterKind.NESTEROVS) {
            throw usage("--momentum applies only to --updater nesterovs, not " + base.updater);
        }
        if (base.lrMin != null && (base.schedule == LrScheduleKind.CONSTANT || base.schedule == LrScheduleKind.STEP)) {
            throw usage("--lr-min has no effect with --lr-schedule " + base.schedule
                    + " (use linear, cosine or poly)");
        }
        if (builtIn) {
            checkLrMin(base.lr != null ? base.lr : base.updater.defaultLearningRate());
        }
        OptimizerKind kind = optimizer.kind;
        if (kind == OptimizerKind.SGD) {
            for (String option : List.of("--alpha", "--rho-max", "--rho-min", "--perturbation", "--minimize-fp",
                    "--no-minimize-fp")) {
                if (given(option)) {
                    throw usage(option + " has no effect with --optimizer sgd (the base optimizer alone, rho 0)");
                }
            }
        }
        if (optimizer.alpha != null && kind != OptimizerKind.GSAM) {
            throw usage("--alpha applies only to --optimizer gsam; " + kind + " is alpha 0");
        }
        if (kind != OptimizerKind.GSAM && (given("--minimize-fp") || given("--no-minimize-fp"))) {
            throw usage("--minimize-fp applies only to --optimizer gsam (with alpha 0 both decompositions are "
                    + "the same)");
        }
        if (kind == OptimizerKind.ASAM && optimizer.perturbation != null
                && optimizer.perturbation != PerturbationMode.ASAM) {
            throw usage("--optimizer asam uses --perturbation asam, not "
                    + optimizer.perturbation.name().toLowerCase(Locale.ROOT) + " (use --optimizer sam with "
                    + "--perturbation " + optimizer.perturbation.name().toLowerCase(Locale.ROOT) + ")");
        }
        double rhoMax = rhoMax();
        double rhoMin = rhoMin();
        if (rhoMin > rhoMax) {
            throw usage("--rho-min (" + rhoMin + ") must not be greater than --rho-max (" + rhoMax + ")");
        }
        if (rhoMin < rhoMax && base.schedule == LrScheduleKind.CONSTANT) {
            throw usage("--rho-min (" + rhoMin + ") below --rho-max (" + rhoMax + ") needs a decaying --lr-schedule:"
                    + " rho follows the learning rate, which is constant");
        }
        if (data.format == DataFormat.IDX) {
            for (String option : List.of("--csv-delimiter", "--csv-header", "--label-column", "--scale")) {
                if (given(option)) {
                    throw usage(option + " applies only to CSV data, not --format idx");
                }
            }
        }
    }

    private void checkLrMin(double lr) {
        if (base.lrMin != null && base.lrMin > lr) {
            throw usage("--lr-min (" + base.lrMin + ") must not be greater than --lr (" + lr
                    + (base.lr == null ? ", the default" : "") + ")");
        }
    }

    private void nonNegative(String option, Double value) {
        if (value != null && !(Double.isFinite(value) && value >= 0)) {
            throw usage(option + " must be a finite number >= 0, got " + value);
        }
    }

    private boolean given(String option) {
        ParseResult parsed = spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Data, model, optimizer

    private DataLoader loader() {
        CsvReader.Builder csv = CsvReader.builder()
                .header(data.csvHeader)
                .labelColumn(data.labelColumn);
        try {
            csv.delimiter(data.csvDelimiter);
        } catch (IllegalArgumentException e) {
            throw usage("--csv-delimiter: " + e.getMessage());
        }
        if (data.scale != null) {
            csv.scale(data.scale);
        }
        if (data.numClasses != null) {
            csv.numClasses(data.numClasses);
        }
        return DataLoader.builder().format(data.format).csv(csv.build())
                .numClasses(data.numClasses == null ? 0 : data.numClasses).build();
    }

    private LabeledData loadTrainingData() {
        LabeledData train = loader().load("--data", data.train, IdxReader.Split.TRAIN);
        return data.limit == null ? train : train.limit(data.limit);
    }

    private MultiLayerNetwork createNetwork(LabeledData train, LabeledData test) {
        MultiLayerNetwork net;
        if (model.init != null) {
            net = ModelFactory.load(model.init);
            LOG.info("model: {} from {}", NetworkInfo.describe(net), model.init);
            return net;
        }
        NetworkSpec modelSpec = model.spec;
        if (modelSpec == null) {
            int classes = Math.max(2, Math.max(train.numClasses(), test == null ? 0 : test.numClasses()));
            modelSpec = new NetworkSpec.Mlp(List.of(train.numFeatures(), DEFAULT_HIDDEN, classes));
        }
        ModelFactory.Builder factory = ModelFactory.builder()
                .updater(base.updater)
                .momentum(base.momentum)
                .weightDecay(base.weightDecay)
                .labelSmoothing(model.labelSmoothing)
                .seed(training.seed);
        if (base.lr != null) {
            factory.learningRate(base.lr);
        }
        net = factory.build().create(modelSpec);
        LOG.info("model: {} = {}", modelSpec, NetworkInfo.describe(net));
        return net;
    }

    /** --lr, else the updater's default for built-in models, else the loaded model's own learning rate. */
    private double learningRate(MultiLayerNetwork net) {
        if (base.lr != null) {
            return base.lr;
        }
        if (model.init == null && !(model.spec instanceof NetworkSpec.ConfigFile)) {
            return base.updater.defaultLearningRate();
        }
        for (Layer layer : net.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer bl) {
                IUpdater u = bl.getIUpdater();
                if (u != null && u.hasLearningRate()) {
                    double lr = u.getLearningRate(net.getIterationCount(), net.getEpochCount());
                    if (Double.isFinite(lr) && lr > 0) {
                        return lr;
                    }
                }
            }
        }
        throw usage("the model has no updater learning rate to start from; give --lr");
    }

    private double rhoMax() {
        if (optimizer.kind == OptimizerKind.SGD) {
            return 0.0;
        }
        if (optimizer.rhoMax != null) {
            return optimizer.rhoMax;
        }
        return optimizer.kind == OptimizerKind.ASAM ? DEFAULT_ASAM_RHO : DEFAULT_RHO;
    }

    private double rhoMin() {
        return optimizer.rhoMin != null && optimizer.kind != OptimizerKind.SGD ? optimizer.rhoMin : rhoMax();
    }

    /** The lr schedule from --lr, --lr-min, --lr-schedule and --warmup over {@code totalSteps} steps. */
    Scheduler lrScheduler(double lr, long totalSteps) {
        double lrMin = base.lrMin == null ? 0.0 : base.lrMin;
        long warmup = base.warmup;
        try {
            return switch (base.schedule) {
                case CONSTANT -> ConstantScheduler.builder().value(lr).warmupSteps(warmup).build();
                case LINEAR -> LinearScheduler.builder().maxValue(lr).minValue(lrMin).totalSteps(totalSteps)
                        .warmupSteps(warmup).build();
                case COSINE -> CosineScheduler.builder().maxValue(lr).minValue(lrMin).totalSteps(totalSteps)
                        .warmupSteps(warmup).build();
                case POLY -> PolyScheduler.builder().maxValue(lr).minValue(lrMin).totalSteps(totalSteps)
                        .warmupSteps(warmup).build();
                case STEP -> {
                    StepScheduler s = StepScheduler.decayAtFractions(lr, totalSteps, STEP_FACTOR, STEP_FRACTIONS);
                    yield warmup == 0 ? s : StepScheduler.builder().values(s.values()).milestones(s.milestones())
                            .totalSteps(totalSteps).warmupSteps(warmup).build();
                }
            };
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw usage("--lr-schedule " + base.schedule + " over " + totalSteps + " steps"
                    + (warmup > 0 ? " with --warmup " + warmup : "") + ": " + e.getMessage());
        }
    }

    /** The lowest learning rate {@code lrScheduler} reaches (after the warm-up). */
    private double lowestLr(double lr, Scheduler lrScheduler) {
        return switch (base.schedule) {
            case CONSTANT -> lr;
            case STEP -> {
                double[] values = ((StepScheduler) lrScheduler).values();
                yield values[values.length - 1];
            }
            default -> base.lrMin == null ? 0.0 : base.lrMin;
        };
    }

    private GsamConfig gsamConfig(double lr, long totalSteps) {
        Scheduler lrScheduler = lrScheduler(lr, totalSteps);
        GsamConfig.Builder b = GsamConfig.builder().lrScheduler(lrScheduler).seed(training.seed);
        if (optimizer.kind == OptimizerKind.SGD) {
            return b.rho(0).build();
        }
        double rhoMax = rhoMax();
        double rhoMin = rhoMin();
        RhoScheduler rho = rhoMin < rhoMax
                ? ProportionScheduler.builder().lrMax(lr).lrMin(lowestLr(lr, lrScheduler)).rhoMax(rhoMax)
                        .rhoMin(rhoMin).build()
                : RhoScheduler.of(ConstantScheduler.of(rhoMax));
        b.rhoScheduler(rho);
        switch (optimizer.kind) {
            case SAM -> b.alpha(0).perturbation(optimizer.perturbation == null ? PerturbationMode.NONE
                    : optimizer.perturbation);
            case ASAM -> b.alpha(0).perturbation(PerturbationMode.ASAM);
            case GSAM -> b.alpha(optimizer.alpha == null ? DEFAULT_ALPHA : optimizer.alpha)
                    .perturbation(optimizer.perturbation == null ? PerturbationMode.NONE : optimizer.perturbation)
                    .minimizeFp(optimizer.minimizeFp);
            default -> throw new IllegalStateException("unexpected optimizer " + optimizer.kind);
        }
        return b.build();
    }

    /** An output file's directory must exist, before hours of training are spent. */
    private static void checkOutputPath(String option, Path file) {
        if (file == null) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(option + " " + file + ": is a directory, expected a file name");
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new InvalidInputException(option + " " + file + ": directory " + dir + " does not exist");
        }
        if (dir != null && !Files.isWritable(dir)) {
            throw new InvalidInputException(option + " " + file + ": directory " + dir + " is not writable");
        }
    }
}
