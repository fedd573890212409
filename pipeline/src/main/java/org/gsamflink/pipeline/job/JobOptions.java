package org.gsamflink.pipeline.job;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.gsamflink.optimizer.PerturbationMode;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every option of the Kafka training job, typed, with its default and description. In the YAML file the dots are
 * nesting levels or literal dots alike ({@code gsam: {alpha: 0.4}} equals {@code gsam.alpha: 0.4}). Keys under
 * {@code kafka.} other than these go to the Kafka clients unchanged without the prefix ({@code
 * kafka.security.protocol: SASL_SSL}); keys under {@code flink.} go to Flink's configuration without the prefix.
 */
public final class JobOptions {

    private JobOptions() {}

    /** Where the source starts when it has no checkpointed offsets. */
    public enum StartingOffsets { EARLIEST, LATEST, COMMITTED, TIMESTAMP }

    public enum RecordFormatType { CSV, JSON, BINARY }

    public enum Delivery { EXACTLY_ONCE, AT_LEAST_ONCE }

    /** What the job does: train models, or answer prediction requests with the committed ones. */
    public enum Mode { TRAIN, SERVE }

    // ---- Kafka source
    public static final ConfigOption<String> BOOTSTRAP_SERVERS = ConfigOptions.key("kafka.bootstrap.servers")
            .stringType().noDefaultValue()
            .withDescription("Kafka bootstrap servers (host:port,…), for the source and every sink. Required.");
    public static final ConfigOption<List<String>> TOPICS = ConfigOptions.key("source.topics")
            .stringType().asList().noDefaultValue()
            .withDescription("Topics with training records (semicolon-separated in a string, or a YAML list). "
                    + "Exactly one of source.topics and source.topic-pattern.");
    public static final ConfigOption<String> TOPIC_PATTERN = ConfigOptions.key("source.topic-pattern")
            .stringType().noDefaultValue()
            .withDescription("A Java regex of topics to read, instead of source.topics.");
    public static final ConfigOption<String> GROUP_ID = ConfigOptions.key("source.group-id")
            .stringType().defaultValue("gsam-flink")
            .withDescription("Consumer group id (offsets are committed on checkpoints).");
    public static final ConfigOption<StartingOffsets> STARTING_OFFSETS = ConfigOptions.key("source.starting-offsets")
            .enumType(StartingOffsets.class).defaultValue(StartingOffsets.COMMITTED)
            .withDescription("earliest | latest | committed (falls back to earliest) | timestamp.");
    public static final ConfigOption<Long> STARTING_TIMESTAMP = ConfigOptions.key("source.starting-timestamp-ms")
            .longType().noDefaultValue()
            .withDescription("Epoch milliseconds to start from; required with starting-offsets: timestamp.");
    public static final ConfigOption<Boolean> BOUNDED = ConfigOptions.key("source.bounded")
            .booleanType().defaultValue(false)
            .withDescription("Stop at the latest offsets seen at start (a finite job), instead of running forever.");

    // ---- Record format and validation
    public static final ConfigOption<RecordFormatType> FORMAT = ConfigOptions.key("format.type")
            .enumType(RecordFormatType.class).defaultValue(RecordFormatType.JSON)
            .withDescription("csv | json | binary (see the README for each schema).");
    public static final ConfigOption<String> CSV_DELIMITER = ConfigOptions.key("format.csv.delimiter")
            .stringType().defaultValue(",").withDescription("CSV delimiter, one character.");
    public static final ConfigOption<Integer> CSV_LABEL_COLUMN = ConfigOptions.key("format.csv.label-column")
            .intType().defaultValue(-1)
            .withDescription("CSV label column; negative counts from the end (-1 = last).");
    public static final ConfigOption<String> DEFAULT_MODEL_ID = ConfigOptions.key("format.default-model-id")
            .stringType().defaultValue("default")
            .withDescription("Model id of CSV records and of JSON records without a \"model\" field.");
    public static final ConfigOption<Integer> MAX_RECORD_BYTES = ConfigOptions.key("format.max-record-bytes")
            .intType().defaultValue(16 << 20).withDescription("Larger records are dead letters (oversized).");
    public static final ConfigOption<Double> MAX_ABS_FEATURE = ConfigOptions.key("format.max-abs-feature")
            .doubleType().defaultValue(org.gsamflink.pipeline.format.RecordLimits.DEFAULT_MAX_ABS_FEATURE)
            .withDescription("Largest |feature|; a record with a larger finite feature is a dead letter "
                    + "(out-of-range). Default 1e6: no real input comes near it, and float32 activations and "
                    + "gradients stay finite below it. With model.dtype float16 the default is 65504, float16's "
                    + "largest value.");
    public static final ConfigOption<Double> MAX_WEIGHT = ConfigOptions.key("format.max-weight")
            .doubleType().defaultValue(org.gsamflink.pipeline.format.RecordLimits.DEFAULT_MAX_WEIGHT)
            .withDescription("Largest loss weight; a record with a larger weight is a dead letter (out-of-range). "
                    + "Default 1000: inverse-frequency weights of a 1-in-1000 class.");
    public static final ConfigOption<Integer> MAX_ROWS_PER_RECORD = ConfigOptions.key("format.max-rows-per-record")
            .intType().noDefaultValue()
            .withDescription("Most rows in one binary minibatch record; more is a dead letter (too-many-rows). "
                    + "Default: format.max-batch-memory divided by one row's bytes (its features plus the "
                    + "network's activations and their gradients, from the architecture's layer sizes).");
    public static final ConfigOption<org.apache.flink.configuration.MemorySize> MAX_BATCH_MEMORY =
            ConfigOptions.key("format.max-batch-memory").memoryType()
                    .defaultValue(org.apache.flink.configuration.MemorySize.ofMebiBytes(256))
                    .withDescription("Memory one minibatch record may take to decode and train (e.g. 256 mb); "
                            + "sets the default of format.max-rows-per-record.");

    // ---- Model
    public static final ConfigOption<String> ARCHITECTURE = ConfigOptions.key("model.architecture")
            .stringType().noDefaultValue()
            .withDescription("Built-in mlp:784-256-10 or cnn:28x28x1-10, or a DL4J configuration JSON file. Required.");
    public static final ConfigOption<List<String>> MODEL_IDS = ConfigOptions.key("model.ids")
            .stringType().asList().noDefaultValue()
            .withDescription("If set, only these model ids train; records of others are dead letters (unknown-model).");
    public static final ConfigOption<String> UPDATER = ConfigOptions.key("model.updater")
            .stringType().defaultValue("nesterovs").withDescription("Base optimizer: sgd | nesterovs | adam | adamw.");
    public static final ConfigOption<Double> LEARNING_RATE = ConfigOptions.key("model.learning-rate")
            .doubleType().defaultValue(0.05).withDescription("Base learning rate (the lr schedule's max if one is set).");
    public static final ConfigOption<Double> MOMENTUM = ConfigOptions.key("model.momentum")
            .doubleType().defaultValue(0.9).withDescription("Momentum of nesterovs.");
    public static final ConfigOption<Double> WEIGHT_DECAY = ConfigOptions.key("model.weight-decay")
            .doubleType().defaultValue(0.0).withDescription("Weight decay, applied by the updater.");
    public static final ConfigOption<Double> LABEL_SMOOTHING = ConfigOptions.key("model.label-smoothing")
            .doubleType().defaultValue(0.1).withDescription("Label smoothing of the cross-entropy loss.");
    public static final ConfigOption<Long> MODEL_SEED = ConfigOptions.key("model.seed")
            .longType().defaultValue(42L).withDescription("Seed of the initial weights.");
    public static final ConfigOption<org.gsamflink.pipeline.model.ModelDataType> MODEL_DTYPE =
            ConfigOptions.key("model.dtype").enumType(org.gsamflink.pipeline.model.ModelDataType.class)
                    .defaultValue(org.gsamflink.pipeline.model.ModelDataType.FLOAT32)
                    .withDescription("Parameter type: float32 | float64 | float16 (built-in architectures).");

    public static final ConfigOption<Boolean> STANDARDIZE = ConfigOptions.key("model.standardize")
            .booleanType().defaultValue(false)
            .withDescription("Standardize each input feature by its running mean and standard deviation (kept in the "
                    + "model's state and stored with its snapshots, so model predict and serving apply the same). "
                    + "Off by default: images scaled to [0, 1] need none; tabular streams usually do.");
    public static final ConfigOption<Double> STANDARDIZE_CLIP = ConfigOptions.key("model.standardize-clip")
            .doubleType().defaultValue(org.gsamflink.operators.ModelSpec.DEFAULT_STANDARDIZE_CLIP)
            .withDescription("With model.standardize: clip standardized values to ± this many standard deviations "
                    + "(0 = no clip).");

    // ---- GSAM
    public static final ConfigOption<Double> ALPHA = ConfigOptions.key("gsam.alpha")
            .doubleType().defaultValue(0.4).withDescription("GSAM α (0 = SAM).");
    public static final ConfigOption<String> RHO = ConfigOptions.key("gsam.rho")
            .stringType().defaultValue("constant:0.05")
            .withDescription("ρ schedule, e.g. constant:0.05 or proportion:lrMax=0.05,lrMin=0.0005,rhoMax=0.1,rhoMin=0.02.");
    public static final ConfigOption<String> LR_SCHEDULE = ConfigOptions.key("gsam.lr-schedule")
            .stringType().noDefaultValue()
            .withDescription("lr schedule, e.g. cosine:max=0.05,min=0.0005,T=20000,warmup=200 (default: the constant base rate).");
    public static final ConfigOption<PerturbationMode> PERTURBATION = ConfigOptions.key("gsam.perturbation")
            .enumType(PerturbationMode.class).defaultValue(PerturbationMode.NONE)
            .withDescription("none | asam | paper.");
    public static final ConfigOption<Boolean> MINIMIZE_FP = ConfigOptions.key("gsam.minimize-fp")
            .booleanType().defaultValue(true).withDescription("The authors' decomposition (true) or JAX's (false).");
    public static final ConfigOption<Long> GSAM_SEED = ConfigOptions.key("gsam.seed")
            .longType().defaultValue(42L).withDescription("Seed of the dropout masks.");
    public static final ConfigOption<Double> CLIP_NORM = ConfigOptions.key("gsam.clip-norm")
            .doubleType().defaultValue(0.0)
            .withDescription("Clip the final direction d (after the GSAM decomposition; the gradient with rho 0) to "
                    + "this global norm, in mean-loss units (as the reported gradient norm); 0 = no clipping.");
    public static final ConfigOption<Integer> SHARPNESS_EVERY = ConfigOptions.key("gsam.sharpness-every")
            .intType().defaultValue(1)
            .withDescription("The full GSAM direction every k steps; in between one pass plus the cached correction "
                    + "(LookSAM's rule applied to GSAM's direction: about (k+1)/(2k) of the cost). 1 = exact GSAM.");
    public static final ConfigOption<Double> LOSS_SPIKE_FACTOR = ConfigOptions.key("gsam.loss-spike-factor")
            .doubleType().defaultValue(0.0)
            .withDescription("Skip a step whose clean loss exceeds this multiple (> 1) of the median of the recent "
                    + "clean losses (isolated spikes; a lasting shift is accepted after "
                    + "gsam.loss-spike-max-consecutive spikes); 0 = off.");
    public static final ConfigOption<Integer> LOSS_SPIKE_WINDOW = ConfigOptions.key("gsam.loss-spike-window")
            .intType().defaultValue(org.gsamflink.optimizer.LossSpikeGuard.DEFAULT_WINDOW_SIZE)
            .withDescription("Recent clean losses whose median is the loss-spike guard's level.");
    public static final ConfigOption<Integer> LOSS_SPIKE_WARMUP = ConfigOptions.key("gsam.loss-spike-warmup-steps")
            .intType().defaultValue(org.gsamflink.optimizer.LossSpikeGuard.DEFAULT_WARMUP_STEPS)
            .withDescription("Losses the guard's window must hold before it may skip (<= gsam.loss-spike-window).");
    public static final ConfigOption<Integer> LOSS_SPIKE_MAX_CONSECUTIVE =
            ConfigOptions.key("gsam.loss-spike-max-consecutive").intType()
                    .defaultValue(org.gsamflink.optimizer.LossSpikeGuard.DEFAULT_MAX_CONSECUTIVE_SPIKES)
                    .withDescription("Spikes in a row the guard skips; the next one is trained on and re-levels "
                            + "the guard (a real, lasting shift).");

    // ---- Training
    public static final ConfigOption<Integer> BATCH_SIZE = ConfigOptions.key("training.batch-size")
            .intType().defaultValue(64).withDescription("Examples per minibatch (single-example formats).");
    public static final ConfigOption<Duration> BATCH_TIMEOUT = ConfigOptions.key("training.batch-timeout")
            .durationType().defaultValue(Duration.ofSeconds(5))
            .withDescription("Train a partial batch this long after its first example arrived (0 = never).");
    public static final ConfigOption<Integer> METRICS_EVERY = ConfigOptions.key("training.metrics-every-steps")
            .intType().defaultValue(1).withDescription("One metrics record per this many steps of a model.");
    public static final ConfigOption<Long> SNAPSHOT_EVERY = ConfigOptions.key("training.snapshot-every-steps")
            .longType().defaultValue(500L).withDescription("Snapshot a model every this many steps (0 = off).");
    public static final ConfigOption<Duration> SNAPSHOT_INTERVAL = ConfigOptions.key("training.snapshot-interval")
            .durationType().defaultValue(Duration.ZERO)
            .withDescription("Snapshot a model that trained when this much time passed since its last (0 = off).");
    public static final ConfigOption<Integer> MAX_LIVE_MODELS = ConfigOptions.key("training.max-live-models")
            .intType().defaultValue(64).withDescription("Models kept as live ND4J networks per subtask.");
    public static final ConfigOption<Integer> MAX_MODELS = ConfigOptions.key("training.max-models")
            .intType().defaultValue(org.gsamflink.operators.TrainingOptions.DEFAULT_MAX_MODELS)
            .withDescription("Model ids the job trains at most; each of the P training subtasks admits ceil(max / P) "
                    + "new ids (counted from state on restore). Records of further new ids go to the dead-letter "
                    + "topic (too-many-models).");
    public static final ConfigOption<Integer> MAX_MODEL_METRIC_GROUPS = ConfigOptions.key("training.max-model-metric-groups")
            .intType().defaultValue(org.gsamflink.operators.TrainingOptions.DEFAULT_MAX_MODEL_METRIC_GROUPS)
            .withDescription("Models per subtask with their own Flink metric group model=<id> (the first ones to "
                    + "train); the rest count in the operator-wide metrics only.");
    public static final ConfigOption<Double> FADING_FACTOR = ConfigOptions.key("training.fading-factor")
            .doubleType().defaultValue(org.gsamflink.operators.TrainingOptions.DEFAULT_FADING_FACTOR)
            .withDescription("Fading factor α in (0, 1] of the metrics' fading prequential accuracy and kappa "
                    + "(Gama et al. 2013; MOA's default 0.999: an example's weight halves after ~693 newer ones); "
                    + "1 = the cumulative accuracy.");
    public static final ConfigOption<org.gsamflink.operators.DriftReaction> ON_DRIFT =
            ConfigOptions.key("training.on-drift").enumType(org.gsamflink.operators.DriftReaction.class)
            .defaultValue(org.gsamflink.operators.DriftReaction.NONE)
            .withDescription("What a model's drift alarm (Page-Hinkley on its prequential error) does besides the "
                    + "alert: none | rewarm (restart the lr and ρ schedules' warm-up) | reset (zero the updater state).");
    public static final ConfigOption<String> DEVICES = ConfigOptions.key("training.devices")
            .stringType().defaultValue("auto")
            .withDescription("ND4J device per training subtask: auto (subtask index mod device count), none, or a "
                    + "list such as 0,2,3.");

    // ---- Sinks
    public static final ConfigOption<String> METRICS_TOPIC = ConfigOptions.key("sink.metrics-topic")
            .stringType().noDefaultValue().withDescription("Topic for metrics as JSON lines (unset: no topic).");
    public static final ConfigOption<String> ALERTS_TOPIC = ConfigOptions.key("sink.alerts-topic")
            .stringType().noDefaultValue()
            .withDescription("Topic for alerts (models rolled back, snapshots refused) as JSON lines, exactly-once "
                    + "like the metrics (unset: no topic; alerts are logged either way).");
    public static final ConfigOption<Boolean> METRICS_LOG = ConfigOptions.key("sink.metrics-log")
            .booleanType().defaultValue(false).withDescription("Also log every metrics record.");
    public static final ConfigOption<String> SNAPSHOTS_TOPIC = ConfigOptions.key("sink.snapshots-topic")
            .stringType().noDefaultValue().withDescription("Topic for model-snapshot notifications (unset: none).");
    public static final ConfigOption<String> DEAD_LETTER_TOPIC = ConfigOptions.key("sink.dead-letter-topic")
            .stringType().defaultValue("gsam-dead-letters").withDescription("Topic for records that cannot be trained on.");
    public static final ConfigOption<Integer> DEAD_LETTER_MAX_BYTES = ConfigOptions.key("sink.dead-letter-max-bytes")
            .intType().defaultValue(900 << 10)
            .withDescription("A dead letter's value is the record's first this many bytes (header gsam.truncated: "
                    + "the original size). Default 900 KiB: with its headers it fits Kafka's default producer "
                    + "max.request.size and topic max.message.bytes (1 MiB), and a float32 minibatch of "
                    + "256×784 stays whole. The dead-letter producer's max.request.size is raised to this plus "
                    + "16 KiB when needed; the topic's max.message.bytes must allow as much.");
    public static final ConfigOption<Delivery> DELIVERY = ConfigOptions.key("sink.delivery")
            .enumType(Delivery.class).defaultValue(Delivery.EXACTLY_ONCE)
            .withDescription("exactly_once (transactions tied to checkpoints) | at_least_once.");
    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX = ConfigOptions.key("sink.transactional-id-prefix")
            .stringType().noDefaultValue()
            .withDescription("Prefix of the sinks' Kafka transactional ids; unique per job on a Kafka cluster (two "
                    + "jobs with one prefix fence each other). Default: job.name with every character other than "
                    + "letters, digits, '.', '_' and '-' replaced by '-' (\"gsam-flink training\" → "
                    + "\"gsam-flink-training\").");

    // ---- Model store
    public static final ConfigOption<String> STORE_ROOT = ConfigOptions.key("model-store.root")
            .stringType().noDefaultValue()
            .withDescription("Model store root (file://, s3://, hdfs:// via Flink's file systems); unset: no store. "
                    + "Snapshots become visible there when the checkpoint that produced them completes.");
    public static final ConfigOption<Integer> STORE_KEEP_LAST = ConfigOptions.key("model-store.keep-last")
            .intType().defaultValue(10).withDescription("Versions kept per model id (the newest ones).");
    public static final ConfigOption<Long> STORE_KEEP_EVERY = ConfigOptions.key("model-store.keep-every")
            .longType().defaultValue(0L).withDescription("Also keep every version divisible by this (0 = off).");
    public static final ConfigOption<Boolean> STORE_WARM_START = ConfigOptions.key("model-store.warm-start")
            .booleanType().defaultValue(false)
            .withDescription("A model id without state starts from the store's latest version of it.");
    public static final ConfigOption<String> STORE_OWNER = ConfigOptions.key("model-store.owner")
            .stringType().noDefaultValue()
            .withDescription("Name this job claims its model ids under in the store (<root>/<model>/OWNER); a model "
                    + "id another owner claimed fails the job at its first snapshot. Default: job.name.");
    public static final ConfigOption<Boolean> STORE_TAKE_OVER = ConfigOptions.key("model-store.take-over")
            .booleanType().defaultValue(false)
            .withDescription("Take over model ids another owner claimed (the first start of a job that replaces "
                    + "another); the old job stops publishing them. Set it for that start only.");
    public static final ConfigOption<Integer> STORE_COMMIT_RETRIES = ConfigOptions.key("model-store.commit-retries")
            .intType().defaultValue(org.gsamflink.operators.store.ModelStoreSink.DEFAULT_COMMIT_RETRIES)
            .withDescription("Attempts (one per checkpoint) to publish a snapshot on file-system errors before it is "
                    + "given up with an error; the model's next snapshot is published as usual.");

    // ---- Serving
    public static final ConfigOption<Boolean> SERVE_ENABLED = ConfigOptions.key("serve.enabled")
            .booleanType().defaultValue(false)
            .withDescription("In a training job: also answer the prediction requests on serve.topics with the "
                    + "versions this job commits to model-store.root (hot-swapped as they commit).");
    public static final ConfigOption<List<String>> SERVE_TOPICS = ConfigOptions.key("serve.topics")
            .stringType().asList().noDefaultValue()
            .withDescription("Topics with prediction requests (the training formats without a label: JSON "
                    + "{\"model\":…,\"x\":[…],\"id\":…}, CSV rows of features, binary minibatches). Required "
                    + "when serving.");
    public static final ConfigOption<RecordFormatType> SERVE_FORMAT = ConfigOptions.key("serve.format")
            .enumType(RecordFormatType.class).noDefaultValue()
            .withDescription("csv | json | binary: the requests' format (default: format.type, the training "
                    + "records'); the other format.* keys apply to both.");
    public static final ConfigOption<String> SERVE_GROUP_ID = ConfigOptions.key("serve.group-id")
            .stringType().defaultValue("gsam-flink-serve")
            .withDescription("Consumer group id of the request source.");
    public static final ConfigOption<StartingOffsets> SERVE_STARTING_OFFSETS = ConfigOptions.key(
                    "serve.starting-offsets").enumType(StartingOffsets.class).defaultValue(StartingOffsets.COMMITTED)
            .withDescription("Where the request source starts without checkpointed offsets: earliest | latest | "
                    + "committed (falls back to earliest).");
    public static final ConfigOption<List<String>> SERVE_MODELS = ConfigOptions.key("serve.models")
            .stringType().asList().noDefaultValue()
            .withDescription("If set, only these model ids are served; requests for others are dead letters "
                    + "(unknown-model). Default: every model in the store.");
    public static final ConfigOption<Duration> SERVE_POLL_INTERVAL = ConfigOptions.key("serve.poll-interval")
            .durationType().defaultValue(org.gsamflink.operators.serve.ServingOptions.DEFAULT_POLL_INTERVAL)
            .withDescription("How often the store's LATEST pointers are read for newly committed versions (a "
                    + "swap follows a commit within about this long plus the load time).");
    public static final ConfigOption<Double> SERVE_GATE_MAX_DROP = ConfigOptions.key("serve.gate.max-accuracy-drop")
            .doubleType().noDefaultValue()
            .withDescription("If set, a new version is served only if its recent prequential accuracy (in its "
                    + "metrics) is at most this much below the serving version's; refused versions are logged, "
                    + "counted (refusedVersions) and sent to sink.alerts-topic. Unset: every version is served.");
    public static final ConfigOption<Integer> SERVE_MAX_ROWS = ConfigOptions.key("serve.max-rows-per-request")
            .intType().defaultValue(4096)
            .withDescription("Most rows in one binary minibatch request; more is a dead letter (too-many-rows).");
    public static final ConfigOption<Delivery> SERVE_DELIVERY = ConfigOptions.key("serve.delivery")
            .enumType(Delivery.class).defaultValue(Delivery.AT_LEAST_ONCE)
            .withDescription("Predictions topic: at_least_once (visible at once; after a failure a request may be "
                    + "answered twice) | exactly_once (visible to read_committed readers when the checkpoint "
                    + "completes: up to one checkpoint interval later).");
    public static final ConfigOption<String> PREDICTIONS_TOPIC = ConfigOptions.key("sink.predictions-topic")
            .stringType().noDefaultValue()
            .withDescription("Topic for predictions as JSON (request id, model, version, class, probabilities, "
                    + "latency). Required when serving.");

    // ---- Job
    public static final ConfigOption<Mode> MODE = ConfigOptions.key("job.mode")
            .enumType(Mode.class).defaultValue(Mode.TRAIN)
            .withDescription("train | serve (a prediction job over model-store.root; 'gsam-flink serve' and the "
                    + "job jar's 'serve' command set it).");
    public static final ConfigOption<String> JOB_NAME = ConfigOptions.key("job.name")
            .stringType().defaultValue("gsam-flink training").withDescription("Flink job name.");
    public static final ConfigOption<Integer> PARALLELISM = ConfigOptions.key("job.parallelism")
            .intType().defaultValue(1).withDescription("Parallelism of the job.");
    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL = ConfigOptions.key("job.checkpoint-interval")
            .durationType().defaultValue(Duration.ofSeconds(10))
            .withDescription("Checkpoint interval; exactly-once output is committed on each checkpoint.");
    public static final ConfigOption<String> STATE_DIR = ConfigOptions.key("job.state-dir")
            .stringType().noDefaultValue()
            .withDescription("Local runs (gsam-flink run without --remote): where checkpoints are kept, retained "
                    + "when the process stops or is killed, so that 'run --resume' continues from the newest one. "
                    + "Default: gsam-state/<job.name> under the working directory. flink.execution.checkpointing.* "
                    + "keys, when given, win.");
    public static final ConfigOption<Boolean> PREFLIGHT = ConfigOptions.key("job.preflight")
            .booleanType().defaultValue(true)
            .withDescription("Before the job starts (cluster entry point and gsam-flink run, not --check), check "
                    + "with a Kafka admin client that the brokers answer, the source topics exist and every sink "
                    + "topic exists (or the broker creates topics on first write); fail with one message listing "
                    + "every problem.");
    public static final ConfigOption<Duration> PREFLIGHT_TIMEOUT = ConfigOptions.key("job.preflight-timeout")
            .durationType().defaultValue(Duration.ofSeconds(30))
            .withDescription("How long the preflight check may take in all; brokers that do not answer within it "
                    + "are reported as unreachable.");
    public static final ConfigOption<Duration> RESTART_INITIAL_DELAY = ConfigOptions.key("job.restart.initial-delay")
            .durationType().defaultValue(Duration.ofSeconds(1))
            .withDescription("Delay before the first restart after a failure (Flink's exponential-delay strategy; "
                    + "doubled after each further failure). Not used when flink.restart-strategy* keys are set.");
    public static final ConfigOption<Duration> RESTART_MAX_DELAY = ConfigOptions.key("job.restart.max-delay")
            .durationType().defaultValue(Duration.ofSeconds(60))
            .withDescription("Longest delay between two restarts.");
    public static final ConfigOption<Integer> RESTART_ATTEMPTS = ConfigOptions.key("job.restart.attempts")
            .intType().defaultValue(10)
            .withDescription("Restarts in a row before the job fails for good (with the defaults: about 5 minutes "
                    + "of retrying an outage). The count starts again after job.restart.reset-after without a "
                    + "failure.");
    public static final ConfigOption<Duration> RESTART_RESET_AFTER = ConfigOptions.key("job.restart.reset-after")
            .durationType().defaultValue(Duration.ofMinutes(10))
            .withDescription("Time running without a failure after which the delay and the attempt count start "
                    + "again from job.restart.initial-delay.");

    /** All options above, for validation and documentation. */
    public static List<ConfigOption<?>> all() {
        List<ConfigOption<?>> out = new ArrayList<>();
        for (Field f : JobOptions.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                try {
                    out.add((ConfigOption<?>) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Collections.unmodifiableList(out);
    }
}
