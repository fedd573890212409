package org.gsamflink.operators;

import org.slf4j.Logger;

import java.util.HashMap;
import java.util.Map;

/**
 * The one rule for repeated warnings of the training job: per category (a fixed, small set such as
 * {@code invalid-record}, {@code skipped:non-finite-loss}, {@code rolled-back}, {@code too-many-models}), the first
 * {@link #DEFAULT_FIRST} occurrences are logged, then one in every {@link #DEFAULT_EVERY}, each line with the count
 * so far. A stream of bad input or broken steps then never floods the logs, and the first ones are always there.
 *
 * <p>Lifecycle: one instance per operator or sink writer (created in {@code open}/the writer's constructor); not
 * thread-safe. Memory: one counter per category seen.
 */
public final class RateLimitedLog {

    /** Occurrences of a category that are always logged. */
    public static final int DEFAULT_FIRST = 10;
    /** After the first ones, every this-many-th occurrence is logged. */
    public static final long DEFAULT_EVERY = 1_000;

    private final Logger log;
    private final int first;
    private final long every;
    private final Map<String, long[]> counts = new HashMap<>();

    public RateLimitedLog(Logger log) {
        this(log, DEFAULT_FIRST, DEFAULT_EVERY);
    }

    public RateLimitedLog(Logger log, int first, long every) {
        if (first < 0) {
            throw new IllegalArgumentException("first must be >= 0, got " + first);
        }
        if (every < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + every);
        }
        this.log = java.util.Objects.requireNonNull(log, "log");
        this.first = first;
        this.every = every;
    }

    /** Whether the {@code n}-th occurrence (1-based) of a category is logged: the first {@code first}, then every {@code every}-th. */
    public static boolean shouldLog(long n, int first, long every) {
        return n <= first || n % every == 0;
    }

    /**
     * Counts one occurrence of {@code category} and logs {@code message} (an SLF4J pattern) at WARN when the rule
     * says so, with {@code " (<n> so far)"} appended.
     *
     * @return whether it was logged
     */
    public boolean warn(String category, String message, Object... args) {
        long n = ++counts.computeIfAbsent(category, c -> new long[1])[0];
        if (!shouldLog(n, first, every)) {
            return false;
        }
        Object[] withCount = java.util.Arrays.copyOf(args, args.length + 1);
        withCount[args.length] = n;
        log.warn(message + " ({} so far)", withCount);
        return true;
    }

    /** How often {@code category} occurred so far. */
    public long count(String category) {
        long[] c = counts.get(category);
        return c == null ? 0 : c[0];
    }
}
