package org.gsamflink.pipeline.job;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The job's restart strategy: Flink's exponential delay from the {@code job.restart.*} keys, so that an outage
 * (a broker restarting, a network partition) is retried with growing pauses and a permanent failure ends the job
 * after {@code job.restart.attempts} restarts in a row, instead of Flink's default of restarting forever once
 * checkpoints are on. A restart strategy the user chose wins: any {@code flink.restart-strategy*} key in the job's
 * configuration, or one already in the environment's configuration (the cluster's config file, a test's
 * environment), leaves the strategy alone.
 */
public final class JobRestartStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(JobRestartStrategy.class);

    private JobRestartStrategy() {}

    /**
     * Sets the exponential-delay strategy on {@code env} unless a restart strategy is configured already.
     *
     * @return whether this set it
     */
    public static boolean apply(StreamExecutionEnvironment env, JobConfig c) {
        if (choosesRestartStrategy(c.flinkConfiguration().toMap())
                || choosesRestartStrategy(env.getConfiguration().toMap())) {
            LOG.info("Restart strategy: as configured under {} (the job.restart.* keys are not used)",
                    RestartStrategyOptions.RESTART_STRATEGY_CONFIG_PREFIX);
            return false;
        }
        env.configure(configuration(c));
        LOG.info("Restart strategy: exponential delay from {} to {}, at most {} restarts in a row (reset after {} "
                        + "without a failure)", KafkaRules.human(c.get(JobOptions.RESTART_INITIAL_DELAY)),
                KafkaRules.human(c.get(JobOptions.RESTART_MAX_DELAY)), c.get(JobOptions.RESTART_ATTEMPTS),
                KafkaRules.human(c.get(JobOptions.RESTART_RESET_AFTER)));
        return true;
    }

    /** Flink's settings for the {@code job.restart.*} keys. */
    static Configuration configuration(JobConfig c) {
        Configuration f = new Configuration();
        f.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        f.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                c.get(JobOptions.RESTART_INITIAL_DELAY));
        f.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, c.get(JobOptions.RESTART_MAX_DELAY));
        f.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, 2.0);
        f.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, c.get(JobOptions.RESTART_ATTEMPTS));
        f.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                c.get(JobOptions.RESTART_RESET_AFTER));
        // Jitter spreads the restarts of many jobs hitting one broker outage.
        f.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
        return f;
    }

    private static boolean choosesRestartStrategy(Map<String, String> flink) {
        return flink.keySet().stream().anyMatch(k -> k.startsWith(RestartStrategyOptions.RESTART_STRATEGY_CONFIG_PREFIX));
    }
}
