package org.gsamflink.pipeline.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.gsamflink.optimizer.LossSpikeGuard;
import org.gsamflink.optimizer.OptimizerSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The job configuration: one YAML file plus {@code key=value} overrides, checked completely at start. Every problem
 * (unknown key, wrong type, missing required key, impossible value or combination) is reported with the key it
 * concerns, all of them at once, in a {@link JobConfigException}; the job never starts half-configured.
 */
public final class JobConfig {

    /** How the optimizer's settings are spelled here, for its messages. */
    private static final org.gsamflink.optimizer.OptimizerSettingNames OPTIMIZER_KEYS = new org.gsamflink.optimizer.OptimizerSettingNames("preset",
            JobOptions.ALPHA.key(), JobOptions.RHO.key(), "rhoMax", "rhoMin", JobOptions.PERTURBATION.key(),
            JobOptions.MINIMIZE_FP.key(), JobOptions.CLIP_NORM.key());

    private final Configuration options;
    private final Properties kafkaProperties;
    private final Configuration flinkConfiguration;

    private JobConfig(Configuration options, Properties kafkaProperties, Configuration flinkConfiguration) {
        this.options = options;
        this.kafkaProperties = kafkaProperties;
        this.flinkConfiguration = flinkConfiguration;
    }

    public <T> T get(ConfigOption<T> option) {
        return options.get(option);
    }

    public boolean isSet(ConfigOption<?> option) {
        return options.contains(option);
    }

    /** The typed options (a copy), for the rules and derived values of this package ({@link KafkaRules}). */
    Configuration options() {
        return new Configuration(options);
    }

    /** {@code kafka.*} keys without the prefix, for the Kafka clients (bootstrap servers included). */
    public Properties kafkaProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        return p;
    }

    /** The {@code gsam.*} keys as the optimizer's settings (the GSAM preset: every setting free). */
    public OptimizerSettings optimizerSettings() {
        return optimizerSettings(options, null);
    }

    /** {@code flink.*} keys without the prefix. */
    /** {@code job.name} reduced to the characters safe in ids and file names. */
    public String jobNameAsId() {
        return KafkaRules.jobNameAsId(get(JobOptions.JOB_NAME));
    }

    public Configuration flinkConfiguration() {
        return new Configuration(flinkConfiguration);
    }

    /** Loads {@code yamlFile} (may be null) and applies {@code overrides} ({@code key=value}) on top. */
    public static JobConfig load(Path yamlFile, List<String> overrides) {
        Map<String, String> flat = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        if (yamlFile != null) {
            try {
                JsonNode root = new ObjectMapper(new YAMLFactory())
                        .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(Files.readString(yamlFile));
                if (root != null && !root.isNull() && !root.isMissingNode()) {
                    if (!root.isObject()) {
                        throw new JobConfigException(List.of(yamlFile + ": the top level must be a mapping of keys"));
                    }
                    flatten("", root, flat);
                }
            } catch (NoSuchFileException e) {
                throw new JobConfigException(List.of("configuration file " + yamlFile + " does not exist"));
            } catch (IOException e) {
                throw new JobConfigException(List.of(yamlFile + " is not valid YAML: " + firstLine(e.getMessage())));
            }
        }
        applyOverrides(flat, overrides, errors);
        return fromMap(flat, errors);
    }

    /** Builds and validates a configuration from flat {@code key → value} strings. */
    public static JobConfig fromMap(Map<String, String> flat) {
        return fromMap(flat, new ArrayList<>());
    }

    /** As {@link #fromMap(Map)}, with {@code overrides} ({@code key=value}) applied on top of {@code base}. */
    public static JobConfig fromMapWithOverrides(Map<String, String> base, List<String> overrides) {
        Map<String, String> flat = new LinkedHashMap<>(base);
        List<String> errors = new ArrayList<>();
        applyOverrides(flat, overrides, errors);
        return fromMap(flat, errors);
    }

    private static void applyOverrides(Map<String, String> flat, List<String> overrides, List<String> errors) {
        for (String o : overrides == null ? List.<String>of() : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                errors.add("override '" + o + "' must look like key=value");
            } else {
                flat.put(o.substring(0, eq).strip(), o.substring(eq + 1).strip());
            }
        }
    }

    private static JobConfig fromMap(Map<String, String> flat, List<String> errors) {
        Set<String> known = JobOptions.all().stream().map(ConfigOption::key).collect(Collectors.toSet());
        Configuration options = new Configuration();
        Properties kafka = new Properties();
        Configuration flink = new Configuration();
        for (Map.Entry<String, String> e : flat.entrySet()) {
            String key = e.getKey();
            if (known.contains(key)) {
                options.setString(key, e.getValue());
                if (key.startsWith("kafka.")) {
                    kafka.setProperty(key.substring(6), e.getValue());
                }
            } else if (key.startsWith("kafka.") && key.length() > 6) {
                kafka.setProperty(key.substring(6), e.getValue());
            } else if (key.startsWith("flink.") && key.length() > 6) {
                flink.setString(key.substring(6), e.getValue());
            } else {
                errors.add("unknown configuration key '" + key + "'" + suggestion(key, known));
            }
        }
        // Typed reads: a wrong type fails here, naming its key. The rules below then see the default instead,
        // so that every problem is reported in one go.
        for (ConfigOption<?> option : JobOptions.all()) {
            try {
                options.get(option);
            } catch (RuntimeException ex) {
                errors.add("config key '" + option.key() + "': " + firstLine(ex.getMessage()));
                options.removeKey(option.key());
            }
        }
        checkRules(options, errors);
        checkDeadLetterRequestSize(options, kafka, errors);
        KafkaRules.check(options, kafka, errors);
        if (!errors.isEmpty()) {
            throw new JobConfigException(errors);
        }
        return new JobConfig(options, kafka, flink);
    }

    private static void checkRules(Configuration c, List<String> errors) {
        require(c, JobOptions.BOOTSTRAP_SERVERS, errors);
        ServeRules.check(c, errors);
        boolean training = c.get(JobOptions.MODE) == JobOptions.Mode.TRAIN;
        if (training) {
            require(c, JobOptions.ARCHITECTURE, errors);
        }
        boolean topics = c.contains(JobOptions.TOPICS) && !c.get(JobOptions.TOPICS).isEmpty();
        boolean pattern = c.contains(JobOptions.TOPIC_PATTERN);
        if (training && topics == pattern) {
            errors.add("config keys 'source.topics' and 'source.topic-pattern': set exactly one of them");
        }
        if (pattern) {
            try {
                java.util.regex.Pattern.compile(c.get(JobOptions.TOPIC_PATTERN));
            } catch (RuntimeException e) {
                errors.add("config key 'source.topic-pattern': not a valid regex: " + firstLine(e.getMessage()));
            }
        }
        if (c.get(JobOptions.STARTING_OFFSETS) == JobOptions.StartingOffsets.TIMESTAMP
                && !c.contains(JobOptions.STARTING_TIMESTAMP)) {
            errors.add("config key 'source.starting-timestamp-ms' is required with source.starting-offsets: timestamp");
        }
        if (c.get(JobOptions.CSV_DELIMITER).length() != 1) {
            errors.add("config key 'format.csv.delimiter': must be exactly one character, got '"
                    + c.get(JobOptions.CSV_DELIMITER) + "'");
        }
        positive(c, JobOptions.MAX_RECORD_BYTES, errors);
        checkInputBounds(c, errors);
        positive(c, JobOptions.BATCH_SIZE, errors);
        positive(c, JobOptions.METRICS_EVERY, errors);
        positive(c, JobOptions.MAX_LIVE_MODELS, errors);
        positive(c, JobOptions.MAX_MODELS, errors);
        if (c.get(JobOptions.MAX_MODEL_METRIC_GROUPS) < 0) {
            errors.add("config key 'training.max-model-metric-groups': must be >= 0, got "
                    + c.get(JobOptions.MAX_MODEL_METRIC_GROUPS));
        }
        setting(JobOptions.FADING_FACTOR.key(), errors,
                () -> org.gsamflink.operators.TrainingOptions.builder().fadingFactor(c.get(JobOptions.FADING_FACTOR)));
        setting(JobOptions.STANDARDIZE_CLIP.key(), errors,
                () -> org.gsamflink.operators.FeatureStandardizer.checkClip(c.get(JobOptions.STANDARDIZE_CLIP)));
        positive(c, JobOptions.PARALLELISM, errors);
        positive(c, JobOptions.STORE_KEEP_LAST, errors);
        if (c.get(JobOptions.STORE_KEEP_EVERY) < 0) {
            errors.add("config key 'model-store.keep-every': must be >= 0, got " + c.get(JobOptions.STORE_KEEP_EVERY));
        }
        if (c.get(JobOptions.STORE_WARM_START) && !c.contains(JobOptions.STORE_ROOT)) {
            errors.add("config key 'model-store.warm-start' needs 'model-store.root'");
        }
        positive(c, JobOptions.STORE_COMMIT_RETRIES, errors);
        try {
            org.gsamflink.modelstore.ModelOwnership.checkOwner(c.get(JobOptions.STORE_OWNER) == null
                    ? c.get(JobOptions.JOB_NAME) : c.get(JobOptions.STORE_OWNER));
        } catch (IllegalArgumentException e) {
            errors.add("config key '" + (c.contains(JobOptions.STORE_OWNER) ? JobOptions.STORE_OWNER.key()
                    : JobOptions.JOB_NAME.key()) + "': " + e.getMessage());
        }
        positiveNumber(c, JobOptions.LEARNING_RATE, errors);
        nonNegative(c, JobOptions.WEIGHT_DECAY, errors);
        nonNegative(c, JobOptions.MOMENTUM, errors);
        if (c.get(JobOptions.SNAPSHOT_EVERY) < 0) {
            errors.add("config key 'training.snapshot-every-steps': must be >= 0, got " + c.get(JobOptions.SNAPSHOT_EVERY));
        }
        double smoothing = c.get(JobOptions.LABEL_SMOOTHING);
        if (!(smoothing >= 0 && smoothing < 1)) {
            errors.add("config key 'model.label-smoothing': must be in [0, 1), got " + smoothing);
        }
        optimizerSettings(c, errors);
        if (c.get(JobOptions.DELIVERY) == JobOptions.Delivery.EXACTLY_ONCE
                && c.get(JobOptions.CHECKPOINT_INTERVAL).isZero()) {
            errors.add("config key 'job.checkpoint-interval': exactly-once delivery needs checkpoints (> 0)");
        }
        if (c.contains(JobOptions.MODEL_IDS)) {
            for (String id : c.get(JobOptions.MODEL_IDS)) {
                String problem = org.gsamflink.modelstore.ModelIds.problem(id);
                if (problem != null) {
                    errors.add("config key 'model.ids': '" + id + "' is not a valid model id: " + problem);
                }
            }
        }
        String updater = c.get(JobOptions.UPDATER);
        if (!Set.of("sgd", "nesterovs", "adam", "adamw").contains(updater)) {
            errors.add("config key 'model.updater': must be one of sgd, nesterovs, adam, adamw; got '" + updater + "'");
        }
        try {
            org.gsamflink.operators.DevicePlacement.parse(c.get(JobOptions.DEVICES));
        } catch (IllegalArgumentException e) {
            errors.add("config key 'training.devices': " + e.getMessage());
        }
    }

    /** Largest finite float16 value: a larger bound on |feature| would let features overflow to infinity. */
    static final double FLOAT16_MAX = 65504;

    /** The format.* bounds on features, weights, rows and batch memory, and the dead letters' size. */
    private static void checkInputBounds(Configuration c, List<String> errors) {
        positiveNumber(c, JobOptions.MAX_ABS_FEATURE, errors);
        positiveNumber(c, JobOptions.MAX_WEIGHT, errors);
        if (c.contains(JobOptions.MAX_ROWS_PER_RECORD)) {
            positive(c, JobOptions.MAX_ROWS_PER_RECORD, errors);
        }
        if (c.get(JobOptions.MAX_BATCH_MEMORY).getBytes() <= 0) {
            errors.add("config key '" + JobOptions.MAX_BATCH_MEMORY.key() + "': must be > 0 bytes, got "
                    + c.get(JobOptions.MAX_BATCH_MEMORY));
        }
        positive(c, JobOptions.DEAD_LETTER_MAX_BYTES, errors);
        if (c.get(JobOptions.DEAD_LETTER_MAX_BYTES) > Integer.MAX_VALUE - KafkaCodecs.DeadLetters.OVERHEAD_BYTES) {
            errors.add("config key '" + JobOptions.DEAD_LETTER_MAX_BYTES.key() + "': must be <= "
                    + (Integer.MAX_VALUE - KafkaCodecs.DeadLetters.OVERHEAD_BYTES) + " (Kafka's max.request.size "
                    + "is an int), got " + c.get(JobOptions.DEAD_LETTER_MAX_BYTES));
        }
        if (c.get(JobOptions.MODEL_DTYPE) == org.gsamflink.pipeline.model.ModelDataType.FLOAT16
                && c.contains(JobOptions.MAX_ABS_FEATURE) && c.get(JobOptions.MAX_ABS_FEATURE) > FLOAT16_MAX) {
            errors.add("config keys '" + JobOptions.MAX_ABS_FEATURE.key() + "' and '" + JobOptions.MODEL_DTYPE.key()
                    + "': float16 holds at most " + (int) FLOAT16_MAX + ", got a bound of "
                    + c.get(JobOptions.MAX_ABS_FEATURE));
        }
    }

    /**
     * The dead-letter sink raises its producer's {@code max.request.size} to what the largest dead letter needs; a
     * smaller {@code kafka.max.request.size} set by the user would make it fail on the first large bad record, so
     * that is a problem at start.
     */
    private static void checkDeadLetterRequestSize(Configuration c, Properties kafka, List<String> errors) {
        String set = kafka.getProperty("max.request.size");
        if (set == null) {
            return;
        }
        long requestSize;
        try {
            requestSize = Long.parseLong(set.strip());
        } catch (NumberFormatException e) {
            errors.add("config key 'kafka.max.request.size': must be an integer number of bytes, got '" + set + "'");
            return;
        }
        int maxValue = c.get(JobOptions.DEAD_LETTER_MAX_BYTES);
        long needed = KafkaCodecs.DeadLetters.requiredRequestSize(maxValue);
        if (maxValue > 0 && requestSize < needed) {
            errors.add("config keys 'kafka.max.request.size' and '" + JobOptions.DEAD_LETTER_MAX_BYTES.key()
                    + "': dead letters of up to " + maxValue + " bytes need max.request.size >= " + needed
                    + " (the value plus " + KafkaCodecs.DeadLetters.OVERHEAD_BYTES + " bytes for headers and batch "
                    + "framing), got " + requestSize + "; raise kafka.max.request.size or lower "
                    + JobOptions.DEAD_LETTER_MAX_BYTES.key());
        }
    }

    private static void require(Configuration c, ConfigOption<?> o, List<String> errors) {
        if (!c.contains(o)) {
            errors.add("config key '" + o.key() + "' is required: "
                    + new org.apache.flink.configuration.description.HtmlFormatter().format(o.description()));
        }
    }

    private static void positive(Configuration c, ConfigOption<Integer> o, List<String> errors) {
        if (c.get(o) <= 0) {
            errors.add("config key '" + o.key() + "': must be > 0, got " + c.get(o));
        }
    }

    /**
     * Maps the {@code gsam.*} keys onto {@link OptimizerSettings}, whose rules are the only ones: with {@code errors},
     * each key's problem is collected under that key (and null returned if there was one); without, the first
     * problem is thrown.
     */
    private static OptimizerSettings optimizerSettings(Configuration c, List<String> errors) {
        OptimizerSettings.Builder b = OptimizerSettings.builder(OPTIMIZER_KEYS);
        int before = errors == null ? 0 : errors.size();
        setting(JobOptions.ALPHA.key(), errors, () -> b.alpha(c.get(JobOptions.ALPHA)));
        setting(JobOptions.RHO.key(), errors, () -> b.rho(c.get(JobOptions.RHO)));
        if (c.contains(JobOptions.LR_SCHEDULE)) {
            setting(JobOptions.LR_SCHEDULE.key(), errors, () -> b.lrSchedule(c.get(JobOptions.LR_SCHEDULE)));
        }
        b.perturbation(c.get(JobOptions.PERTURBATION)).minimizeFp(c.get(JobOptions.MINIMIZE_FP))
                .seed(c.get(JobOptions.GSAM_SEED));
        setting(JobOptions.CLIP_NORM.key(), errors, () -> b.clipNorm(c.get(JobOptions.CLIP_NORM)));
        setting(JobOptions.SHARPNESS_EVERY.key(), errors, () -> b.sharpnessEvery(c.get(JobOptions.SHARPNESS_EVERY)));
        lossSpikeGuard(c, b, errors);
        if (errors != null && errors.size() > before) {
            return null;
        }
        OptimizerSettings[] built = new OptimizerSettings[1];
        setting("gsam", errors, () -> built[0] = b.build());
        return built[0];
    }

    /** The {@code gsam.loss-spike-*} keys: each checked under its key; a guard only with a factor (0/NaN: off). */
    private static void lossSpikeGuard(Configuration c, OptimizerSettings.Builder b, List<String> errors) {
        LossSpikeGuard.Builder g = LossSpikeGuard.builder();
        boolean[] factorSet = {false};
        setting(JobOptions.LOSS_SPIKE_WINDOW.key(), errors, () -> g.windowSize(c.get(JobOptions.LOSS_SPIKE_WINDOW)));
        setting(JobOptions.LOSS_SPIKE_WARMUP.key(), errors, () -> g.warmupSteps(c.get(JobOptions.LOSS_SPIKE_WARMUP)));
        setting(JobOptions.LOSS_SPIKE_MAX_CONSECUTIVE.key(), errors,
                () -> g.maxConsecutiveSpikes(c.get(JobOptions.LOSS_SPIKE_MAX_CONSECUTIVE)));
        double factor = c.get(JobOptions.LOSS_SPIKE_FACTOR);
        if (factor == 0 || Double.isNaN(factor)) {
            return;
        }
        setting(JobOptions.LOSS_SPIKE_FACTOR.key(), errors, () -> {
            g.factor(factor);
            factorSet[0] = true;
        });
        if (factorSet[0]) {
            setting(JobOptions.LOSS_SPIKE_WARMUP.key(), errors, () -> b.lossSpikeGuard(g.build()));
        }
    }

    /** Runs one setter; its complaint goes to {@code errors} under {@code key}, or is thrown when errors is null. */
    private static void setting(String key, List<String> errors, Runnable setter) {
        try {
            setter.run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (errors == null) {
                throw e;
            }
            String message = e.getMessage();
            // The optimizer names the setting by its key already: say it once.
            if (message.startsWith(key + " ")) {
                message = message.substring(key.length() + 1);
            }
            errors.add("config key '" + key + "': " + message);
        }
    }

    private static void positiveNumber(Configuration c, ConfigOption<Double> o, List<String> errors) {
        double v = c.get(o);
        if (!(v > 0) || !Double.isFinite(v)) {
            errors.add("config key '" + o.key() + "': must be a finite number > 0, got " + v);
        }
    }

    private static void nonNegative(Configuration c, ConfigOption<Double> o, List<String> errors) {
        double v = c.get(o);
        if (!(v >= 0) || !Double.isFinite(v)) {
            errors.add("config key '" + o.key() + "': must be a finite number >= 0, got " + v);
        }
    }

    private static String suggestion(String key, Set<String> known) {
        List<String> best = Suggestions.closest(key, known, 3, 1);
        return best.isEmpty() ? "" : " (did you mean '" + best.get(0) + "'?)";
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(n -> items.add(n.asText()));
            out.put(prefix, String.join(";", items));
        } else if (!node.isNull()) {
            out.put(prefix, node.asText());
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
