package org.gsamflink.pipeline.job;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The rules between the job's Kafka keys, checked with the rest of {@link JobConfig}, and the values derived from
 * them (the sinks' topics, the transactional-id prefix, the transaction timeout), so that the job, its validation
 * and {@link KafkaPreflight} agree on them.
 */
final class KafkaRules {

    /** The producers' transaction timeout key ({@code kafka.transaction.timeout.ms} in the job's file). */
    static final String TRANSACTION_TIMEOUT = "transaction.timeout.ms";
    /** Kafka brokers' default {@code transaction.max.timeout.ms} (15 min): a longer producer timeout is refused. */
    static final long BROKER_DEFAULT_MAX_TRANSACTION_TIMEOUT_MS = 900_000;

    private static final Pattern NOT_IN_ID = Pattern.compile("[^A-Za-z0-9._-]+");

    private KafkaRules() {}

    /** Every problem of the Kafka and restart keys, each naming its key(s), into {@code errors}. */
    static void check(Configuration c, Properties kafka, List<String> errors) {
        checkSinksAreNotSources(c, errors);
        checkTransactionTimeout(c, kafka, errors);
        if (c.contains(JobOptions.TRANSACTIONAL_ID_PREFIX) && c.get(JobOptions.TRANSACTIONAL_ID_PREFIX).isBlank()) {
            errors.add("config key '" + JobOptions.TRANSACTIONAL_ID_PREFIX.key() + "': must not be blank");
        }
        positive(c, JobOptions.PREFLIGHT_TIMEOUT, errors);
        positive(c, JobOptions.RESTART_INITIAL_DELAY, errors);
        positive(c, JobOptions.RESTART_RESET_AFTER, errors);
        if (c.get(JobOptions.RESTART_MAX_DELAY).compareTo(c.get(JobOptions.RESTART_INITIAL_DELAY)) < 0) {
            errors.add("config keys '" + JobOptions.RESTART_MAX_DELAY.key() + "' and '"
                    + JobOptions.RESTART_INITIAL_DELAY.key() + "': the longest delay ("
                    + human(c.get(JobOptions.RESTART_MAX_DELAY)) + ") must not be shorter than the first ("
                    + human(c.get(JobOptions.RESTART_INITIAL_DELAY)) + ")");
        }
        if (c.get(JobOptions.RESTART_ATTEMPTS) <= 0) {
            errors.add("config key '" + JobOptions.RESTART_ATTEMPTS.key() + "': must be > 0, got "
                    + c.get(JobOptions.RESTART_ATTEMPTS) + " (set flink.restart-strategy.type: none for no restarts)");
        }
    }

    /** The enabled sink topics by their key, in a fixed order (the dead-letter topic is always there). */
    static Map<ConfigOption<String>, String> sinkTopics(Configuration c) {
        Map<ConfigOption<String>, String> out = new LinkedHashMap<>();
        out.put(JobOptions.DEAD_LETTER_TOPIC, c.get(JobOptions.DEAD_LETTER_TOPIC));
        List<ConfigOption<String>> optional = c.get(JobOptions.MODE) == JobOptions.Mode.SERVE
                ? List.of(JobOptions.ALERTS_TOPIC, JobOptions.PREDICTIONS_TOPIC)
                : ServeRules.serves(c) ? List.of(JobOptions.METRICS_TOPIC, JobOptions.ALERTS_TOPIC,
                        JobOptions.SNAPSHOTS_TOPIC, JobOptions.PREDICTIONS_TOPIC)
                : List.of(JobOptions.METRICS_TOPIC, JobOptions.ALERTS_TOPIC, JobOptions.SNAPSHOTS_TOPIC);
        for (ConfigOption<String> o : optional) {
            if (c.contains(o)) {
                out.put(o, c.get(o));
            }
        }
        return out;
    }

    /**
     * {@code sink.transactional-id-prefix}, or by default the job's name reduced to the characters safe in an id,
     * so that two jobs with different names never share (and fence) each other's transactional ids.
     */
    static String transactionalIdPrefix(Configuration c) {
        if (c.contains(JobOptions.TRANSACTIONAL_ID_PREFIX)) {
            return c.get(JobOptions.TRANSACTIONAL_ID_PREFIX);
        }
        return jobNameAsId(c.get(JobOptions.JOB_NAME));
    }

    /** A job name reduced to the characters safe in ids and file names ({@code gsam-flink} if none is left). */
    static String jobNameAsId(String jobName) {
        String derived = NOT_IN_ID.matcher(jobName.strip()).replaceAll("-").replaceAll("^-+|-+$", "");
        return derived.isEmpty() ? "gsam-flink" : derived;
    }

    /**
     * The producers' {@code transaction.timeout.ms}: the user's {@code kafka.transaction.timeout.ms}, or ten
     * checkpoint intervals within [1 min, the brokers' default maximum of 15 min] — a transaction stays open a whole
     * interval, plus the recovery after a failure.
     */
    static long transactionTimeoutMs(Configuration c, Properties kafka) {
        String set = kafka.getProperty(TRANSACTION_TIMEOUT);
        if (set != null) {
            return Long.parseLong(set.strip());
        }
        return Math.max(60_000, Math.min(BROKER_DEFAULT_MAX_TRANSACTION_TIMEOUT_MS,
                c.get(JobOptions.CHECKPOINT_INTERVAL).toMillis() * 10));
    }

    private static void checkSinksAreNotSources(Configuration c, List<String> errors) {
        Pattern pattern = null;
        if (c.contains(JobOptions.TOPIC_PATTERN)) {
            try {
                pattern = Pattern.compile(c.get(JobOptions.TOPIC_PATTERN));
            } catch (RuntimeException invalid) {
                return;   // reported under its key by JobConfig
            }
        }
        Map<String, List<String>> sources = new LinkedHashMap<>();
        if (c.get(JobOptions.MODE) == JobOptions.Mode.SERVE) {
            pattern = null;   // a serving job reads no training topics
        } else if (c.contains(JobOptions.TOPICS)) {
            sources.put(JobOptions.TOPICS.key(), c.get(JobOptions.TOPICS));
        }
        if (ServeRules.serves(c) && c.contains(JobOptions.SERVE_TOPICS)) {
            sources.put(JobOptions.SERVE_TOPICS.key(), c.get(JobOptions.SERVE_TOPICS));
        }
        for (Map.Entry<ConfigOption<String>, String> sink : sinkTopics(c).entrySet()) {
            String topic = sink.getValue();
            String sourceKey = sources.entrySet().stream().filter(e -> e.getValue().contains(topic))
                    .map(Map.Entry::getKey).findFirst().orElse(null);
            if (sourceKey != null) {
                errors.add("config keys '" + sink.getKey().key() + "' and '" + sourceKey + "': '"
                        + topic + "' is both a sink and a source topic; the job would read its own output");
            } else if (pattern != null && pattern.matcher(topic).matches()) {
                errors.add("config keys '" + sink.getKey().key() + "' and '" + JobOptions.TOPIC_PATTERN.key()
                        + "': the pattern '" + pattern.pattern() + "' matches the sink topic '" + topic
                        + "'; the job would read its own output (narrow the pattern or rename the topic)");
            }
        }
    }

    private static void checkTransactionTimeout(Configuration c, Properties kafka, List<String> errors) {
        String set = kafka.getProperty(TRANSACTION_TIMEOUT);
        if (set != null) {
            try {
                if (Long.parseLong(set.strip()) <= 0) {
                    errors.add("config key 'kafka." + TRANSACTION_TIMEOUT + "': must be > 0 ms, got " + set);
                    return;
                }
            } catch (NumberFormatException e) {
                errors.add("config key 'kafka." + TRANSACTION_TIMEOUT + "': must be an integer number of "
                        + "milliseconds, got '" + set + "'");
                return;
            }
        }
        Duration interval = c.get(JobOptions.CHECKPOINT_INTERVAL);
        if (c.get(JobOptions.DELIVERY) != JobOptions.Delivery.EXACTLY_ONCE || interval.isZero()) {
            return;
        }
        long timeout = transactionTimeoutMs(c, kafka);
        if (timeout <= interval.toMillis()) {
            errors.add("config keys 'kafka." + TRANSACTION_TIMEOUT + "' and '" + JobOptions.CHECKPOINT_INTERVAL.key()
                    + "': a transaction stays open for a whole checkpoint interval, so the transaction timeout ("
                    + timeout + " ms" + (set == null ? ", the default" : "") + ") must be greater than the interval ("
                    + interval.toMillis() + " ms); the brokers' transaction.max.timeout.ms (15 min by default) "
                    + "caps the timeout");
        }
    }

    private static void positive(Configuration c, ConfigOption<Duration> o, List<String> errors) {
        if (c.get(o).isNegative() || c.get(o).isZero()) {
            errors.add("config key '" + o.key() + "': must be > 0, got " + human(c.get(o)));
        }
    }

    /** A duration as people write it in the file ({@code 200 ms}, {@code 1 min}). */
    static String human(Duration d) {
        return org.apache.flink.util.TimeUtils.formatWithHighestUnit(d);
    }
}
