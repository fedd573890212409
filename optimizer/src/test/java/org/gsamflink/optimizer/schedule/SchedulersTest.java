package org.gsamflink.optimizer.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SchedulersTest {

    /** One of every kind, with awkward doubles, with and without T and warm-up. */
    static List<WarmupScheduler> samples() {
        return List.of(
                ConstantScheduler.of(0.1),
                ConstantScheduler.of(1.0 / 3),
                ConstantScheduler.builder().value(0.1).warmupSteps(10).initValue(0.001).build(),
                ConstantScheduler.builder().value(0.1).initValue(0.5).build(),
                LinearScheduler.builder().maxValue(0.1).totalSteps(1000).build(),
                LinearScheduler.builder().maxValue(0.1).minValue(1e-7).totalSteps(1000).warmupSteps(10).build(),
                CosineScheduler.builder().maxValue(0.1).minValue(0.001).totalSteps(5000).warmupSteps(100).build(),
                CosineScheduler.builder().maxValue(Math.PI).minValue(Math.E).totalSteps(3).initValue(1e-300).build(),
                PolyScheduler.builder().maxValue(0.1).build(),
                PolyScheduler.builder().maxValue(0.1).minValue(0.01).order(-0.25).totalSteps(77).warmupSteps(7).build(),
                PolyScheduler.builder().maxValue(0.1).order(0).build(),
                StepScheduler.builder().values(0.1, 0.02, 0.004).milestones(300, 600).build(),
                StepScheduler.builder().values(0.7).build(),
                StepScheduler.decayAtFractions(0.1, 1000, 0.2, 0.3, 0.6, 0.8),
                StepScheduler.builder()
                        .values(0.1, 0.2)
                        .milestones(50)
                        .totalSteps(60)
                        .warmupSteps(5)
                        .initValue(0.01)
                        .build());
    }

    @ParameterizedTest
    @MethodSource("samples")
    void parseOfDescribeRoundTrips(WarmupScheduler s) {
        WarmupScheduler parsed = Schedulers.parse(s.describe());
        assertThat(parsed).isInstanceOf(s.getClass()).isEqualTo(s).hasSameHashCodeAs(s);
        assertThat(parsed.describe()).isEqualTo(s.describe());
        for (long t : new long[] {0, 1, 5, 9, 10, 11, 50, 99, 100, 299, 300, 999, 1000, 4999, 5000, 1_000_000}) {
            assertThat(parsed.valueAt(t)).as("t=%d", t).isEqualTo(s.valueAt(t));
        }
    }

    @ParameterizedTest
    @MethodSource("samples")
    void javaSerializationKeepsTheConfiguration(WarmupScheduler s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(s);
        }
    }

    @Test
    void proportionRoundTripsThroughParseRho() {
        ProportionScheduler p =
                ProportionScheduler.builder().lrMax(0.1).lrMin(0.001).rhoMax(0.04).rhoMin(0.02).build();
        assertThat(Schedulers.parseRho(p.describe())).isEqualTo(p);
        assertThat(Schedulers.parseRho("proportion:lrMax=0.2,rhoMax=0.6"))
                .isEqualTo(ProportionScheduler.builder().lrMax(0.2).rhoMax(0.6).build());
    }

    @Test
    void parseRhoWrapsAnOrdinaryScheduler() {
        RhoScheduler r = Schedulers.parseRho("cosine:max=0.05,min=0.01,T=100");
        CosineScheduler c = CosineScheduler.builder().maxValue(0.05).minValue(0.01).totalSteps(100).build();
        assertThat(r.describe()).isEqualTo(c.describe());
        assertThat(r.valueAt(30, 123.0)).isEqualTo(c.valueAt(30));
        assertThat(Schedulers.parseRho("constant:0.05").valueAt(3, 0.1)).isEqualTo(0.05);
    }

    @Test
    void parsesTheDocumentedExamples() {
        assertThat(Schedulers.parse("constant:0.1")).isEqualTo(ConstantScheduler.of(0.1));
        assertThat(Schedulers.parse("constant:value=0.1,warmup=100,init=0"))
                .isEqualTo(ConstantScheduler.builder().value(0.1).warmupSteps(100).build());
        assertThat(Schedulers.parse("linear:max=0.1,min=0,T=1000,warmup=10,init=0"))
                .isEqualTo(LinearScheduler.builder().maxValue(0.1).totalSteps(1000).warmupSteps(10).build());
        assertThat(Schedulers.parse("cosine:max=0.1,min=0.001,T=5000,warmup=100"))
                .isEqualTo(CosineScheduler.builder()
                        .maxValue(0.1)
                        .minValue(0.001)
                        .totalSteps(5000)
                        .warmupSteps(100)
                        .build());
        assertThat(Schedulers.parse("poly:max=0.1,min=0,order=-0.5,warmup=10"))
                .isEqualTo(PolyScheduler.builder().maxValue(0.1).order(-0.5).warmupSteps(10).build());
        assertThat(Schedulers.parse("step:values=0.1;0.02;0.004,milestones=300;600"))
                .isEqualTo(StepScheduler.builder().values(0.1, 0.02, 0.004).milestones(300, 600).build());
    }

    @Test
    void toleratesBlanksAndScientificNotation() {
        assertThat(Schedulers.parse(" linear : max = 1e-1 , T = 1000 , min=1.0E-4 "))
                .isEqualTo(LinearScheduler.builder().maxValue(0.1).minValue(1e-4).totalSteps(1000).build());
        assertThat(Schedulers.parse("step:values= 0.1 ; 0.02 ,milestones= 30 "))
                .isEqualTo(StepScheduler.builder().values(0.1, 0.02).milestones(30).build());
        assertThat(Schedulers.parse("constant: 0.1 ")).isEqualTo(ConstantScheduler.of(0.1));
    }

    @Test
    void keyOrderDoesNotMatter() {
        assertThat(Schedulers.parse("cosine:T=10,warmup=2,max=1"))
                .isEqualTo(CosineScheduler.builder().maxValue(1).totalSteps(10).warmupSteps(2).build());
    }

    // --- errors ----------------------------------------------------------------------------------------------

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("0.1", "expected '<type>:<settings>'"),
                Arguments.of(":0.1", "missing scheduler type before ':'"),
                Arguments.of("cosine:", "missing settings after 'cosine:'"),
                Arguments.of("cosine:  ", "missing settings after 'cosine:'"),
                Arguments.of("exponential:max=0.1", "unknown scheduler type 'exponential'"),
                Arguments.of("Cosine:max=0.1,T=10", "unknown scheduler type 'Cosine'"),
                Arguments.of("proportion:lrMax=0.1,rhoMax=0.1", "proportion is a rho scheduler"),
                Arguments.of("cosine:max=0.1,T=10,gamma=2",
                        "unknown key 'gamma' for a cosine scheduler; allowed keys: max, min, T, warmup, init"),
                Arguments.of("linear:max=0.1,t=10", "unknown key 't' for a linear scheduler"),
                Arguments.of("poly:max=0.1,value=3", "unknown key 'value' for a poly scheduler; allowed keys: max, "
                        + "min, order, T, warmup, init"),
                Arguments.of("step:values=0.1,order=-1", "unknown key 'order' for a step scheduler; allowed keys: "
                        + "values, milestones, T, warmup, init"),
                Arguments.of("constant:value=0.1,max=0.2", "unknown key 'max' for a constant scheduler; allowed "
                        + "keys: value, warmup, init"),
                Arguments.of("linear:max=0.1,max=0.2,T=10", "duplicate key 'max'"),
                Arguments.of("linear:max=0.1,T", "expected key=value, got 'T'"),
                Arguments.of("linear:max=0.1,,T=10", "expected key=value, got ''"),
                Arguments.of("constant:0.1,warmup=10", "expected key=value, got '0.1'"),
                Arguments.of("linear:max=,T=10", "missing value for key 'max'"),
                Arguments.of("linear:max=abc,T=10", "max must be a number, got 'abc'"),
                Arguments.of("constant:fast", "value must be a number, got 'fast'"),
                Arguments.of("linear:max=0.1,T=1e4", "T must be an integer, got '1e4'"),
                Arguments.of("linear:max=0.1,T=10,warmup=2.5", "warmup must be an integer, got '2.5'"),
                Arguments.of("step:values=0.1;;0.01,milestones=3;6", "values has an empty list item"),
                Arguments.of("step:values=0.1;x,milestones=3", "values[1] must be a number, got 'x'"),
                Arguments.of("step:values=0.1;0.01,milestones=3.5", "milestones[0] must be an integer, got '3.5'"),
                // builder rules, reported with the key as written
                Arguments.of("linear:max=-1,T=10", "max=-1: maxValue must be a finite number >= 0, got -1.0"),
                Arguments.of("cosine:max=NaN,T=10", "max=NaN: maxValue must be a finite number >= 0, got NaN"),
                Arguments.of("linear:max=0.1,T=0", "T=0: totalSteps must be > 0, got 0"),
                Arguments.of("linear:max=0.1,T=10,warmup=-1", "warmup=-1: warmupSteps must be >= 0, got -1"),
                Arguments.of("poly:max=0.1,order=0.5", "order=0.5: order must be a finite number <= 0, got 0.5"),
                Arguments.of("step:values=0.1;0.01,milestones=0", "milestones=0: milestones[0] must be > 0, got 0"),
                Arguments.of("linear:max=0.1", "totalSteps is required for a linear scheduler"),
                Arguments.of("cosine:min=0.1,T=10", "maxValue is required for a cosine scheduler"),
                Arguments.of("step:milestones=3", "values is required for a step scheduler"),
                Arguments.of("constant:warmup=3", "value is required for a constant scheduler"),
                Arguments.of("linear:max=0.1,min=0.2,T=10", "minValue (0.2) must be <= maxValue (0.1)"),
                Arguments.of("cosine:max=0.1,T=10,warmup=10", "totalSteps (10) must be > warmupSteps (10)"),
                Arguments.of("step:values=0.1;0.01", "values.length (2) must be milestones.length + 1 (1)"),
                Arguments.of("step:values=0.1;0.01,milestones=5,T=5", "milestones[0] (5) must be < totalSteps (5)"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void rejectsMalformedSpecsNamingTheProblem(String spec, String message) {
        assertThatThrownBy(() -> Schedulers.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid scheduler spec '" + spec + "'")
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "proportion:lrMax=0.1",
        "proportion:lrMax=0.1,rhoMax=0.1,alpha=2",
        "proportion:lrMax=0.01,lrMin=0.1,rhoMax=0.1",
        "proportion:lrMax=0.1,rhoMax=0.01,rhoMin=0.1",
        "proportion:lrMax=-0.1,rhoMax=0.1",
        "exponential:0.1"
    })
    void parseRhoRejectsMalformedSpecs(String spec) {
        assertThatThrownBy(() -> Schedulers.parseRho(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid scheduler spec '" + spec + "'");
    }

    @Test
    void parseRhoMessagesNameTheFields() {
        assertThatThrownBy(() -> Schedulers.parseRho("proportion:lrMax=0.1"))
                .hasMessageContaining("rhoMax is required for a proportion scheduler");
        assertThatThrownBy(() -> Schedulers.parseRho("proportion:lrMax=0.1,rhoMax=0.1,alpha=2"))
                .hasMessageContaining("unknown key 'alpha' for a proportion scheduler; allowed keys: lrMax, lrMin, "
                        + "rhoMax, rhoMin");
        assertThatThrownBy(() -> Schedulers.parseRho("proportion:lrMax=0.01,lrMin=0.1,rhoMax=0.1"))
                .hasMessageContaining("lrMax (0.01) must be >= lrMin (0.1)");
        assertThatThrownBy(() -> Schedulers.parseRho("proportion:lrMax=0.1,rhoMax=0.01,rhoMin=0.1"))
                .hasMessageContaining("rhoMax (0.01) must be >= rhoMin (0.1)");
        assertThatThrownBy(() -> Schedulers.parseRho("proportion:lrMax=-0.1,rhoMax=0.1"))
                .hasMessageContaining("lrMax=-0.1: lrMax must be a finite number >= 0, got -0.1");
    }

    @Test
    void unknownTypeListsEveryType() {
        assertThatThrownBy(() -> Schedulers.parse("exponential:max=0.1"))
                .hasMessage("invalid scheduler spec 'exponential:max=0.1': unknown scheduler type 'exponential'; "
                        + "expected one of constant, linear, cosine, poly, step (or proportion for rho)");
    }

    @Test
    void linearKeysAndShortFormErrorsAreUnprefixed() {
        assertThatThrownBy(() -> Schedulers.parse("linear:max=0.1,T=10,speed=1"))
                .hasMessage("invalid scheduler spec 'linear:max=0.1,T=10,speed=1': unknown key 'speed' for a linear "
                        + "scheduler; allowed keys: max, min, T, warmup, init");
        // The short form feeds the value setter directly: a builder rule is reported without a "value=" prefix.
        assertThatThrownBy(() -> Schedulers.parse("constant:-1"))
                .hasMessage("invalid scheduler spec 'constant:-1': value must be a finite number >= 0, got -1.0");
        assertThatThrownBy(() -> Schedulers.parse("constant:value=-1"))
                .hasMessage("invalid scheduler spec 'constant:value=-1': value=-1: value must be a finite number "
                        + ">= 0, got -1.0");
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> Schedulers.parse(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Schedulers.parseRho(null)).isInstanceOf(NullPointerException.class);
    }
}
