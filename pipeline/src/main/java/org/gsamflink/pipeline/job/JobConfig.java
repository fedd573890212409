package org.gsamflink.pipeline.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
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
    private static final OptimizerSettings.Names OPTIMIZER_KEYS = new OptimizerSettings.Names("preset",
            JobOptions.ALPHA.key(), JobOptions.RHO.key(), "rhoMax", "rhoMin", JobOptions.PERTURBATION.key(),
            JobOptions.MINIMIZE_FP.key());

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
        if (!errors.isEmpty()) {
            throw new JobConfigException(errors);
        }
        return new JobConfig(options, kafka, flink);
    }

    private static void checkRules(Configuration c, List<String> errors) {
        require(c, JobOptions.BOOTSTRAP_SERVERS, errors);
        require(c, JobOptions.ARCHITECTURE, errors);
        boolean topics = c.contains(JobOptions.TOPICS) && !c.get(JobOptions.TOPICS).isEmpty();
        boolean pattern = c.contains(JobOptions.TOPIC_PATTERN);
        if (topics == pattern) {
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
        positive(c, JobOptions.BATCH_SIZE, errors);
        positive(c, JobOptions.METRICS_EVERY, errors);
        positive(c, JobOptions.MAX_LIVE_MODELS, errors);
        positive(c, JobOptions.MAX_MODELS, errors);
        if (c.get(JobOptions.MAX_MODEL_METRIC_GROUPS) < 0) {
            errors.add("config key 'training.max-model-metric-groups': must be >= 0, got "
                    + c.get(JobOptions.MAX_MODEL_METRIC_GROUPS));
        }
        positive(c, JobOptions.PARALLELISM, errors);
        positive(c, JobOptions.STORE_KEEP_LAST, errors);
        if (c.get(JobOptions.STORE_KEEP_EVERY) < 0) {
            errors.add("config key 'model-store.keep-every': must be >= 0, got " + c.get(JobOptions.STORE_KEEP_EVERY));
        }
        if (c.get(JobOptions.STORE_WARM_START) && !c.contains(JobOptions.STORE_ROOT)) {
            errors.add("config key 'model-store.warm-start' needs 'model-store.root'");
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
        if (errors != null && errors.size() > before) {
            return null;
        }
        OptimizerSettings[] built = new OptimizerSettings[1];
        setting("gsam", errors, () -> built[0] = b.build());
        return built[0];
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
