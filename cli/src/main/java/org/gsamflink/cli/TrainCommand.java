package org.gsamflink.cli;

import org.gsamflink.cli.common.LoggingMixin;
import org.gsamflink.cli.common.ExitCodes;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.optimizer.GsamConfig;
import org.gsamflink.optimizer.OptimizerSettings;
import org.gsamflink.optimizer.schedule.Scheduler;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

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

    public static final LrScheduleKind DEFAULT_LR_SCHEDULE = LrScheduleKind.COSINE;
    public static final int DEFAULT_EPOCHS = 10;
    /** Hidden layer of the MLP used when neither --model nor --init is given. */
    public static final int DEFAULT_HIDDEN = 256;
    /** The optimizer settings as this command's flags spell them, for the settings' messages. */
    static final org.gsamflink.optimizer.OptimizerSettingNames FLAGS = new org.gsamflink.optimizer.OptimizerSettingNames("--optimizer", "--alpha", "--rho",
            "--rho-max", "--rho-min", "--perturbation", "--minimize-fp", "--clip-norm");

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingMixin logging;

    @ArgGroup(validate = false, heading = "%nData:%n", order = 1)
    TrainOptions.DataOptions data = new TrainOptions.DataOptions();

    @ArgGroup(validate = false, heading = "%nModel:%n", order = 2)
    TrainOptions.ModelOptions model = new TrainOptions.ModelOptions();

    @ArgGroup(validate = false, heading = "%nSharpness-aware optimizer:%n", order = 3)
    TrainOptions.OptimizerOptions optimizer = new TrainOptions.OptimizerOptions();

    @ArgGroup(validate = false, heading = "%nBase optimizer and learning rate:%n", order = 4)
    TrainOptions.BaseOptimizerOptions base = new TrainOptions.BaseOptimizerOptions();

    @ArgGroup(validate = false, heading = "%nTraining:%n", order = 5)
    TrainOptions.TrainingOptions training = new TrainOptions.TrainingOptions();

    @ArgGroup(validate = false, heading = "%nOutput:%n", order = 6)
    TrainOptions.OutputOptions output = new TrainOptions.OutputOptions();

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
        OptimizerSettings.Builder settings = optimizerSettings();
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
        try {
            settings.check();   // the presets' rules and the rho range
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        double rhoMax = settings.effectiveRhoMax();
        double rhoMin = settings.effectiveRhoMin();
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

    /** The optimizer flags as settings; each value is checked as it is set (a usage error naming the flag). */
    private OptimizerSettings.Builder optimizerSettings() {
        OptimizerSettings.Builder b = OptimizerSettings.builder(FLAGS).preset(optimizer.kind).seed(training.seed);
        try {
            if (optimizer.alpha != null) {
                b.alpha(optimizer.alpha);
            }
            if (optimizer.rhoMax != null) {
                b.rhoMax(optimizer.rhoMax);
            }
            if (optimizer.rhoMin != null) {
                b.rhoMin(optimizer.rhoMin);
            }
            b.clipNorm(optimizer.clipNorm);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (optimizer.perturbation != null) {
            b.perturbation(optimizer.perturbation);
        }
        if (given("--minimize-fp")) {
            b.minimizeFp(optimizer.minimizeFp);
        }
        return b;
    }

    /** The lr schedule from --lr, --lr-min, --lr-schedule and --warmup over {@code totalSteps} steps. */
    Scheduler lrScheduler(double lr, long totalSteps) {
        try {
            return base.schedule.scheduler(lr, lrMin(), totalSteps, base.warmup);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw usage("--lr-schedule " + base.schedule + " over " + totalSteps + " steps"
                    + (base.warmup > 0 ? " with --warmup " + base.warmup : "") + ": " + e.getMessage());
        }
    }

    private double lrMin() {
        return base.lrMin == null ? 0.0 : base.lrMin;
    }

    /** The settings from the flags, with rho following the learning rate between lr and the schedule's lowest. */
    GsamConfig gsamConfig(double lr, long totalSteps) {
        Scheduler lrScheduler = lrScheduler(lr, totalSteps);
        return optimizerSettings()
                .lrRange(lr, base.schedule.lowest(lrScheduler, lr, lrMin()))
                .lrSchedule(lrScheduler.describe())
                .build()
                .toGsamConfig();
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
