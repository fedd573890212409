package org.gsamflink.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/** The option syntax the benchmark commands share: {@code --key value}, {@code --key=value}, flags, -Dbench.key. */
final class BenchOptions {

    private BenchOptions() {}

    /**
     * Parses {@code args} over {@code defaults} (after {@code -Dbench.<key>} system properties). A flag given without
     * a value is true; {@code --no-<negatable>} sets {@code negatable} to false. {@code -h}/{@code --help} prints
     * {@code usage} and exits 0.
     *
     * @throws IllegalArgumentException for an unknown option or a missing value
     */
    static Map<String, String> parse(String[] args, Map<String, String> defaults, String usage,
                                     Predicate<String> isFlag, String negatable) {
        Map<String, String> o = new LinkedHashMap<>(defaults);
        for (String key : defaults.keySet()) {
            String v = System.getProperty("bench." + key);
            if (v != null) {
                o.put(key, v);
            }
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
            String key = a.substring(2);
            String value = null;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            }
            if (key.equals("no-" + negatable)) {
                o.put(negatable, "false");
                continue;
            }
            if (!defaults.containsKey(key)) {
                throw new IllegalArgumentException("unknown option --" + key);
            }
            if (value == null) {
                if (isFlag.test(key) && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException("--" + key + " needs a value");
                }
            }
            o.put(key, value);
        }
        return o;
    }

    /**
     * Defaults written one {@code key value} pair a line (blank lines skipped), in order: a table a reader can scan,
     * for a command with many options.
     *
     * @throws IllegalArgumentException for a line without a value or a key given twice
     */
    static Map<String, String> defaults(String lines) {
        Map<String, String> d = new LinkedHashMap<>();
        for (String line : lines.strip().split("\n")) {
            String[] kv = line.strip().split("\\s+", 2);
            if (kv[0].isEmpty()) {
                continue;
            }
            if (kv.length < 2 || d.put(kv[0], kv[1]) != null) {
                throw new IllegalArgumentException("default '" + line.strip() + "': want one 'key value' per key");
            }
        }
        return d;
    }

    /** {@link #parse}, or the problem and {@code usage} on stderr and exit status 2. */
    static Map<String, String> parseOrExit(String[] args, Map<String, String> defaults, String usage,
                                           Predicate<String> isFlag, String negatable) {
        try {
            return parse(args, defaults, usage, isFlag, negatable);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(usage);
            System.exit(2);
            throw e;
        }
    }

    /**
     * Writes {@code text} to {@code path} (parent folders created) and says so on stderr; nothing for a blank path.
     *
     * @return the file written, or null
     */
    static Path writeReport(String path, CharSequence text) throws IOException {
        if (path == null || path.isBlank()) {
            return null;
        }
        Path p = Path.of(path.trim());
        if (p.toAbsolutePath().getParent() != null) {
            Files.createDirectories(p.toAbsolutePath().getParent());
        }
        Files.writeString(p, text, StandardCharsets.UTF_8);
        System.err.println("report written to " + p.toAbsolutePath());
        return p;
    }
}
