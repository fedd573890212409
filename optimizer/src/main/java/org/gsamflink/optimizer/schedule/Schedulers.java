package org.gsamflink.optimizer.schedule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjDoubleConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.Supplier;

/**
 * Parses the one-line scheduler specs used on the command line and in configuration files. Every scheduler's
 * {@code describe()} prints such a spec, and {@code parse(s.describe())} equals {@code s}.
 *
 * <h2>Grammar</h2>
 *
 * <pre>
 *   spec     := type ':' body
 *   body     := number                         (constant only: "constant:0.1")
 *             | pair (',' pair)*
 *   pair     := key '=' value
 *   list     := number (';' number)*           (for values / milestones)
 * </pre>
 *
 * Blanks around tokens are ignored; type names and keys are case-sensitive; each key may appear once. Real numbers
 * use Java's {@link Double#parseDouble} syntax ({@code 0.1}, {@code 1e-3}, {@code 1.0E-4}); step counts are
 * integers ({@link Long#parseLong}). Keys per type (required ones in bold), with the builder setter each maps to:
 *
 * <table>
 *   <caption>Scheduler spec keys</caption>
 *   <tr><th>type</th><th>keys</th></tr>
 *   <tr><td>{@code constant}</td><td><b>value</b>, warmup, init</td></tr>
 *   <tr><td>{@code linear}</td><td><b>max</b>, min, <b>T</b>, warmup, init</td></tr>
 *   <tr><td>{@code cosine}</td><td><b>max</b>, min, <b>T</b>, warmup, init</td></tr>
 *   <tr><td>{@code poly}</td><td><b>max</b>, min, order, T, warmup, init</td></tr>
 *   <tr><td>{@code step}</td><td><b>values</b> (list), milestones (list), T, warmup, init</td></tr>
 *   <tr><td>{@code proportion} ({@link #parseRho} only)</td><td><b>lrMax</b>, lrMin, <b>rhoMax</b>, rhoMin</td></tr>
 * </table>
 *
 * {@code max}, {@code min}, {@code init}, {@code value}, {@code order}, {@code T}, {@code warmup} map to {@code
 * maxValue}, {@code minValue}, {@code initValue}, {@code value}, {@code order}, {@code totalSteps}, {@code
 * warmupSteps}; defaults and rules are those of the builders. Examples:
 *
 * <pre>
 *   constant:0.1
 *   constant:value=0.1,warmup=100,init=0
 *   linear:max=0.1,min=0,T=1000,warmup=10,init=0
 *   cosine:max=0.1,min=0.001,T=5000,warmup=100
 *   poly:max=0.1,min=0,order=-0.5,warmup=10
 *   step:values=0.1;0.02;0.004,milestones=300;600
 *   proportion:lrMax=0.1,lrMin=0.001,rhoMax=0.04,rhoMin=0.02
 * </pre>
 *
 * Any error (unknown type or key, duplicate key, malformed number, or a builder rule) is an {@link
 * IllegalArgumentException} whose message quotes the spec and names the key.
 */
public final class Schedulers {

    private Schedulers() {}

    /**
     * Parses an lr (or ρ) scheduler spec of type {@code constant}, {@code linear}, {@code cosine}, {@code poly} or
     * {@code step}; see the class Javadoc for the grammar.
     *
     * @throws IllegalArgumentException if the spec is malformed or breaks a builder rule
     */
    public static WarmupScheduler parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        try {
            Spec s = Spec.split(spec);
            if (s.type.equals(PROPORTION.name)) {
                throw new IllegalArgumentException(
                        "proportion is a rho scheduler that follows the lr; use Schedulers.parseRho");
            }
            return parse(s);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw wrap(spec, e);
        }
    }

    /**
     * Parses a ρ scheduler spec: {@code proportion:…} gives a {@link ProportionScheduler}; any spec accepted by
     * {@link #parse} gives that scheduler, ignoring the lr ({@link RhoScheduler#of}).
     *
     * @throws IllegalArgumentException if the spec is malformed or breaks a builder rule
     */
    public static RhoScheduler parseRho(String spec) {
        Objects.requireNonNull(spec, "spec");
        try {
            Spec s = Spec.split(spec);
            if (s.type.equals(PROPORTION.name)) {
                return PROPORTION.parse(s);
            }
            return RhoScheduler.of(parse(s));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw wrap(spec, e);
        }
    }

    private static IllegalArgumentException wrap(String spec, RuntimeException e) {
        return new IllegalArgumentException("invalid scheduler spec '" + spec + "': " + e.getMessage(), e);
    }

    private static WarmupScheduler parse(Spec s) {
        Type<?, ? extends WarmupScheduler> type = LR_TYPES.get(s.type);
        if (type == null) {
            throw new IllegalArgumentException("unknown scheduler type '" + s.type + "'; expected one of "
                    + String.join(", ", LR_TYPES.keySet()) + " (or " + PROPORTION.name + " for rho)");
        }
        return type.parse(s);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The tables: per type, its keys in the order they are applied, each with how its value is read and which
    // builder setter it feeds. The allowed keys of a type are its table's keys.

    /** The keys every max/min/T/warm-up scheduler has, with {@code extra} keys after {@code min}. */
    @SafeVarargs
    private static <B extends WarmupScheduler.RangeBuilder<B>> List<Key<B>> rangeKeys(Key<B>... extra) {
        List<Key<B>> keys = new ArrayList<>();
        keys.add(real("max", B::maxValue));
        keys.add(real("min", B::minValue));
        keys.addAll(List.of(extra));
        keys.add(integer("T", B::totalSteps));
        keys.add(integer("warmup", B::warmupSteps));
        keys.add(real("init", B::initValue));
        return keys;
    }

    private static final Type<ConstantScheduler.Builder, ConstantScheduler> CONSTANT = new Type<>("constant",
            ConstantScheduler::builder, ConstantScheduler.Builder::build, "value", List.of(
                    real("value", ConstantScheduler.Builder::value),
                    integer("warmup", ConstantScheduler.Builder::warmupSteps),
                    real("init", ConstantScheduler.Builder::initValue)));

    private static final Type<LinearScheduler.Builder, LinearScheduler> LINEAR = new Type<>("linear",
            LinearScheduler::builder, LinearScheduler.Builder::build, null, rangeKeys());

    private static final Type<CosineScheduler.Builder, CosineScheduler> COSINE = new Type<>("cosine",
            CosineScheduler::builder, CosineScheduler.Builder::build, null, rangeKeys());

    private static final Type<PolyScheduler.Builder, PolyScheduler> POLY = new Type<>("poly",
            PolyScheduler::builder, PolyScheduler.Builder::build, null,
            rangeKeys(real("order", PolyScheduler.Builder::order)));

    private static final Type<StepScheduler.Builder, StepScheduler> STEP = new Type<>("step",
            StepScheduler::builder, StepScheduler.Builder::build, null, List.of(
                    new Key<>("values", (b, v) -> b.values(reals("values", v))),
                    new Key<>("milestones", (b, v) -> b.milestones(integers("milestones", v))),
                    integer("T", StepScheduler.Builder::totalSteps),
                    integer("warmup", StepScheduler.Builder::warmupSteps),
                    real("init", StepScheduler.Builder::initValue)));

    private static final Type<ProportionScheduler.Builder, ProportionScheduler> PROPORTION = new Type<>("proportion",
            ProportionScheduler::builder, ProportionScheduler.Builder::build, null, List.of(
                    real("lrMax", ProportionScheduler.Builder::lrMax),
                    real("lrMin", ProportionScheduler.Builder::lrMin),
                    real("rhoMax", ProportionScheduler.Builder::rhoMax),
                    real("rhoMin", ProportionScheduler.Builder::rhoMin)));

    /** The types {@link #parse(String)} accepts, in the order error messages list them. */
    private static final Map<String, Type<?, ? extends WarmupScheduler>> LR_TYPES = new LinkedHashMap<>();

    static {
        for (Type<?, ? extends WarmupScheduler> type : List.of(CONSTANT, LINEAR, COSINE, POLY, STEP)) {
            LR_TYPES.put(type.name, type);
        }
    }

    /** A key of a spec and what its value does to a builder of type {@code B}. */
    private record Key<B>(String name, BiConsumer<B, String> setter) {}

    private static <B> Key<B> real(String key, ObjDoubleConsumer<B> setter) {
        return new Key<>(key, (b, v) -> setter.accept(b, real(key, v)));
    }

    private static <B> Key<B> integer(String key, ObjLongConsumer<B> setter) {
        return new Key<>(key, (b, v) -> setter.accept(b, integer(key, v)));
    }

    /**
     * One scheduler type: its name, a new builder, how to build, its keys and, for types with a short form
     * ({@code constant:0.1}), the key a body without {@code '='} is the value of.
     */
    private record Type<B, S>(String name, Supplier<B> newBuilder, Function<B, S> build, String shortFormKey,
                              List<Key<B>> keys) {

        /** The one parse loop: checks the keys against the table, then feeds each present key to its setter. */
        S parse(Spec s) {
            B builder = newBuilder.get();
            if (shortFormKey != null && !s.body.contains("=")) {
                key(shortFormKey).setter.accept(builder, s.body.trim());
                return build.apply(builder);
            }
            Map<String, String> kv = s.pairs(keys.stream().map(Key::name).toList());
            for (Key<B> key : keys) {
                apply(kv, key, builder);
            }
            return build.apply(builder);
        }

        private Key<B> key(String name) {
            return keys.stream().filter(k -> k.name.equals(name)).findFirst().orElseThrow();
        }
    }

    /** Calls the key's setter when the key is present, prefixing a setter's complaint with the key as written. */
    private static <B> void apply(Map<String, String> kv, Key<B> key, B builder) {
        String value = kv.get(key.name);
        if (value == null) {
            return;
        }
        try {
            key.setter.accept(builder, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key.name + "=" + value + ": " + e.getMessage(), e);
        }
    }

    private static double real(String key, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got '" + text + "'", e);
        }
    }

    private static long integer(String key, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + text + "'", e);
        }
    }

    private static double[] reals(String key, String text) {
        List<String> items = list(key, text);
        double[] out = new double[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = real(key + "[" + i + "]", items.get(i));
        }
        return out;
    }

    private static long[] integers(String key, String text) {
        List<String> items = list(key, text);
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(key + "[" + i + "]", items.get(i));
        }
        return out;
    }

    private static List<String> list(String key, String text) {
        List<String> items = new ArrayList<>();
        for (String item : text.split(";", -1)) {
            String trimmed = item.trim();
            if (trimmed.isEmpty()) {
                throw new IllegalArgumentException(key + " has an empty list item in '" + text + "'");
            }
            items.add(trimmed);
        }
        return items;
    }

    /** A spec split into its type and body. */
    private static final class Spec {
        final String type;
        final String body;

        private Spec(String type, String body) {
            this.type = type;
            this.body = body;
        }

        static Spec split(String spec) {
            int colon = spec.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("expected '<type>:<settings>', e.g. 'constant:0.1'");
            }
            String type = spec.substring(0, colon).trim();
            String body = spec.substring(colon + 1).trim();
            if (type.isEmpty()) {
                throw new IllegalArgumentException("missing scheduler type before ':'");
            }
            if (body.isEmpty()) {
                throw new IllegalArgumentException("missing settings after '" + type + ":'");
            }
            return new Spec(type, body);
        }

        /** The key=value pairs of the body, rejecting keys outside {@code allowed} and duplicates. */
        Map<String, String> pairs(List<String> allowed) {
            Map<String, String> kv = new LinkedHashMap<>();
            for (String pair : body.split(",", -1)) {
                int eq = pair.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("expected key=value, got '" + pair.trim() + "'");
                }
                String key = pair.substring(0, eq).trim();
                String value = pair.substring(eq + 1).trim();
                if (!allowed.contains(key)) {
                    throw new IllegalArgumentException("unknown key '" + key + "' for a " + type
                            + " scheduler; allowed keys: " + String.join(", ", allowed));
                }
                if (value.isEmpty()) {
                    throw new IllegalArgumentException("missing value for key '" + key + "'");
                }
                if (kv.put(key, value) != null) {
                    throw new IllegalArgumentException("duplicate key '" + key + "'");
                }
            }
            return kv;
        }
    }
}
