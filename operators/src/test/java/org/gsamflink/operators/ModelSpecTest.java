package org.gsamflink.operators;

import org.apache.flink.util.InstantiationUtil;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.GsamConfig;
import org.gsamflink.optimizer.OptimizerKind;
import org.gsamflink.optimizer.OptimizerSettings;
import org.gsamflink.optimizer.PerturbationMode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@link ModelSpec}'s builder rules, networks, fingerprint and optimizer configuration; {@link ModelSpecResolver}. */
class ModelSpecTest {

    private static final String MLP_JSON = TestModels.mlp(8).toJson();

    // ---- setter rules ------------------------------------------------------------------------------------------

    @Test
    void numFeaturesMustBePositive() {
        assertThatThrownBy(() -> ModelSpec.builder().numFeatures(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numFeatures must be > 0, got 0");
        assertThatThrownBy(() -> ModelSpec.builder().numFeatures(-3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numFeatures must be > 0, got -3");
    }

    @Test
    void numClassesMustBeAtLeastTwo() {
        assertThatThrownBy(() -> ModelSpec.builder().numClasses(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numClasses must be >= 2, got 1");
    }

    @Test
    void batchSizeMustBePositive() {
        assertThatThrownBy(() -> ModelSpec.builder().batchSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batchSize must be > 0, got 0");
    }

    @Test
    void batchTimeoutMustNotBeNegative() {
        assertThatThrownBy(() -> ModelSpec.builder().batchTimeoutMs(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batchTimeoutMs must be >= 0, got -1");
        assertThat(ModelSpec.builder().batchTimeoutMs(0)).isNotNull();
    }

    @Test
    void alphaFollowsTheOptimizerRule() {
        assertThatThrownBy(() -> ModelSpec.builder().alpha(-0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha must be a finite number >= 0");
        assertThatThrownBy(() -> ModelSpec.builder().alpha(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha must be a finite number >= 0");
    }

    @Test
    void badRhoSpecIsRejected() {
        assertThatThrownBy(() -> ModelSpec.builder().rho("bogus"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid scheduler spec 'bogus'");
        assertThatThrownBy(() -> ModelSpec.builder().rho("wobbly:0.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown scheduler type 'wobbly'");
        assertThatThrownBy(() -> ModelSpec.builder().rho("proportion:lrMax=0.1,rhoMax=0.05,speed=3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key 'speed'");
        assertThatThrownBy(() -> ModelSpec.builder().rho(null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void badLrSpecIsRejected() {
        assertThatThrownBy(() -> ModelSpec.builder().lrSchedule("cosine:max=abc,T=10"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid scheduler spec 'cosine:max=abc,T=10'")
                .hasMessageContaining("max must be a number");
        assertThatThrownBy(() -> ModelSpec.builder().lrSchedule("proportion:lrMax=0.1,rhoMax=0.05"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use Schedulers.parseRho");
        // null keeps the network's own updater learning rate.
        assertThat(ModelSpec.builder().lrSchedule(null)).isNotNull();
    }

    @Test
    void invalidNetworkJsonIsRejected() {
        assertThatThrownBy(() -> ModelSpec.builder().networkConfigJson("{not json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("networkConfigJson is neither a DL4J MultiLayerConfiguration nor a "
                        + "ComputationGraphConfiguration");
        assertThatThrownBy(() -> ModelSpec.builder().networkConfigJson(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("networkConfigJson");
    }
    @Test
    void jsonWithoutANetworkIsRejected() {
        for (String json : new String[] {"{}", "{\"foo\":1}", "{\"confs\":[]}"}) {
            assertThatThrownBy(() -> ModelSpec.builder().networkConfigJson(json))
                    .as(json)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("networkConfigJson");
        }
    }

    @Test
    void perturbationMustNotBeNull() {
        assertThatThrownBy(() -> ModelSpec.builder().perturbation(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("perturbation");
    }

    // ---- build() rules -----------------------------------------------------------------------------------------

    @Test
    void buildRequiresTheNetwork() {
        assertThatThrownBy(() -> ModelSpec.builder().numFeatures(4).numClasses(3).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("networkConfigJson is required");
    }

    @Test
    void buildRequiresNumFeaturesAndNumClasses() {
        assertThatThrownBy(() -> ModelSpec.builder().networkConfigJson(MLP_JSON).numClasses(3).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("numFeatures and numClasses are required");
        assertThatThrownBy(() -> ModelSpec.builder().networkConfigJson(MLP_JSON).numFeatures(4).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("numFeatures and numClasses are required");
    }

    @Test
    void defaults() {
        ModelSpec spec = ModelSpec.builder().networkConfigJson(MLP_JSON).numFeatures(4).numClasses(3).build();
        assertThat(spec.batchSize()).isEqualTo(ModelSpec.DEFAULT_BATCH_SIZE);
        assertThat(spec.batchTimeoutMs()).isEqualTo(ModelSpec.DEFAULT_BATCH_TIMEOUT_MS);
        assertThat(spec.alpha()).isEqualTo(GsamConfig.DEFAULT_ALPHA);
        assertThat(spec.networkConfigJson()).isEqualTo(MLP_JSON);
        GsamConfig config = spec.gsamConfig();
        assertThat(config.rhoScheduler().valueAt(0, 0.1)).isEqualTo(0.05);   // DEFAULT_RHO = constant:0.05
        assertThat(config.lrScheduler()).isNull();
        assertThat(config.perturbation()).isEqualTo(GsamConfig.DEFAULT_PERTURBATION);
        assertThat(config.minimizeFp()).isEqualTo(GsamConfig.DEFAULT_MINIMIZE_FP);
        assertThat(config.seed()).isEqualTo(GsamConfig.DEFAULT_SEED);
    }

    // ---- networks ----------------------------------------------------------------------------------------------

    @Test
    void multiLayerJsonGivesAMultiLayerNetwork() {
        ModelSpec spec = TestModels.spec();
        Model network = spec.newNetwork();
        assertThat(network).isInstanceOf(MultiLayerNetwork.class);
        assertThat(network.numParams()).isEqualTo(4 * 8 + 8 + 8 * 3 + 3);
        // Weights come from the configuration's seed: two new networks are equal.
        assertThat(spec.newNetwork().params()).isEqualTo(network.params());
        assertThat(spec.toString()).contains("multilayer");
    }

    @Test
    void computationGraphJsonIsAcceptedAndGivesAComputationGraph() {
        ModelSpec spec = ModelSpec.builder()
                .networkConfigJson(TestModels.graph(8).toJson())
                .numFeatures(4)
                .numClasses(3)
                .build();
        Model network = spec.newNetwork();
        assertThat(network).isInstanceOf(ComputationGraph.class);
        assertThat(network.numParams()).isEqualTo(4 * 8 + 8 + 8 * 3 + 3);
        assertThat(spec.toString()).contains("graph");

        ModelSpec viaObject = ModelSpec.builder().network(TestModels.graph(8)).numFeatures(4).numClasses(3).build();
        assertThat(viaObject.newNetwork()).isInstanceOf(ComputationGraph.class);
    }

    @Test
    void fingerprintIsTheLayoutAndIgnoresSettings() {
        ModelSpec a = TestModels.spec();
        ModelSpec sameJson = TestModels.specBuilder().batchSize(32).alpha(0).rho("constant:0.1").build();
        ModelSpec otherWidth = TestModels.specBuilder().network(TestModels.mlp(16)).build();
        ModelSpec graph = TestModels.specBuilder().network(TestModels.graph(8)).build();

        assertThat(a.architectureFingerprint()).startsWith(NetworkLayout.HEADER + "\n")
                .contains("layer 0 DenseLayer W 4x8 b 8");
        assertThat(a.legacyFingerprint()).matches("[0-9a-f]{64}");
        assertThat(sameJson.architectureFingerprint()).isEqualTo(a.architectureFingerprint());
        assertThat(sameJson.settings()).isNotEqualTo(a.settings()).contains("alpha 0.0");
        assertThat(otherWidth.architectureFingerprint()).isNotEqualTo(a.architectureFingerprint());
        assertThat(graph.architectureFingerprint()).isNotEqualTo(a.architectureFingerprint());
    }

    @Test
    void gsamConfigIsBuiltFromTheSpecStrings() {
        ModelSpec spec = TestModels.specBuilder()
                .alpha(0.3)
                .rho("proportion:lrMax=0.1,lrMin=0.001,rhoMax=0.05,rhoMin=0.01")
                .lrSchedule("cosine:max=0.1,min=0.001,T=100")
                .perturbation(PerturbationMode.ASAM)
                .minimizeFp(false)
                .seed(77)
                .build();
        GsamConfig config = spec.gsamConfig();

        assertThat(config.alpha()).isEqualTo(0.3);
        assertThat(config.perturbation()).isEqualTo(PerturbationMode.ASAM);
        assertThat(config.minimizeFp()).isFalse();
        assertThat(config.seed()).isEqualTo(77);
        assertThat(config.lrScheduler()).isNotNull();
        assertThat(config.lrScheduler().valueAt(0)).isCloseTo(0.1, within(1e-12));
        assertThat(config.lrScheduler().valueAt(100)).isCloseTo(0.001, within(1e-12));
        // ρ follows the lr proportionally: rhoMax at lrMax, rhoMin at lrMin.
        assertThat(config.rhoScheduler().valueAt(0, 0.1)).isCloseTo(0.05, within(1e-12));
        assertThat(config.rhoScheduler().valueAt(100, 0.001)).isCloseTo(0.01, within(1e-12));

        // Built anew each time: scheduler objects are never shared between models.
        GsamConfig again = spec.gsamConfig();
        assertThat(again).isNotSameAs(config);
        assertThat(again.lrScheduler()).isNotSameAs(config.lrScheduler());
        assertThat(again.rhoScheduler()).isNotSameAs(config.rhoScheduler());
    }

    @Test
    void specSurvivesJavaSerialization() throws Exception {
        // Flink ships the operator, and with it the spec, to the task managers with Java serialization.
        ModelSpec spec = TestModels.specBuilder().lrSchedule("constant:0.01").build();
        ModelSpec copy = InstantiationUtil.clone(spec);
        assertThat(copy.architectureFingerprint()).isEqualTo(spec.architectureFingerprint());
        assertThat(copy.toString()).isEqualTo(spec.toString());
        assertThat(copy.newNetwork().params()).isEqualTo(spec.newNetwork().params());
    }

    @Test
    void optimizerSettingsAreHeldAsOneValue() throws Exception {
        OptimizerSettings settings = OptimizerSettings.builder().preset(OptimizerKind.ASAM).rhoMax(1.0).rhoMin(0.2)
                .lrRange(0.1, 0.001).lrSchedule("cosine:max=0.1,min=0.001,T=100").seed(5).build();
        ModelSpec spec = TestModels.specBuilder().optimizer(settings).build();
        assertThat(spec.optimizer()).isEqualTo(settings);
        assertThat(spec.alpha()).isZero();
        assertThat(spec.rhoSpec()).isEqualTo("proportion:lrMax=0.1,lrMin=0.001,rhoMax=1.0,rhoMin=0.2");
        assertThat(spec.gsamConfig().perturbation()).isEqualTo(PerturbationMode.ASAM);
        assertThat(spec.toString()).contains("alpha=0.0, rho=proportion:lrMax=0.1,lrMin=0.001,rhoMax=1.0,rhoMin=0.2, "
                + "lr=cosine:max=0.1,min=0.001,T=100, perturbation=asam, minimizeFp=true");
        assertThat(InstantiationUtil.clone(spec).optimizer()).isEqualTo(settings);

        // The single-setting setters change the given settings, and the preset's rules still hold at build().
        assertThat(TestModels.specBuilder().optimizer(settings).seed(6).build().optimizer().seed()).isEqualTo(6);
        assertThatThrownBy(() -> TestModels.specBuilder().optimizer(settings).alpha(0.1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha applies only to preset gsam; asam is alpha 0");
    }

    @Test
    void singleSettersMatchTheSettingsBuilder() {
        ModelSpec spec = TestModels.specBuilder().alpha(0.3).rho("constant:0.1").lrSchedule("constant:0.01")
                .perturbation(PerturbationMode.PAPER).minimizeFp(false).seed(8).build();
        assertThat(spec.optimizer()).isEqualTo(OptimizerSettings.builder().alpha(0.3).rho("constant:0.1")
                .lrSchedule("constant:0.01").perturbation(PerturbationMode.PAPER).minimizeFp(false).seed(8).build());
        assertThat(spec.toString()).contains("alpha=0.3, rho=constant:0.1, lr=constant:0.01, perturbation=paper, "
                + "minimizeFp=false, batchSize=4, batchTimeoutMs=0}");
    }

    // ---- ModelSpecResolver -------------------------------------------------------------------------------------

    @Test
    void resolverByIdRejectsUnknownIdsWithoutFallback() {
        ModelSpec a = TestModels.spec();
        ModelSpecResolver resolver = ModelSpecResolver.byId(Map.of("a", a), null);
        assertThat(resolver.specFor("a")).isSameAs(a);
        assertThatThrownBy(() -> resolver.specFor("zzz"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no model spec for model id 'zzz'");
    }

    @Test
    void resolverByIdUsesTheFallbackAndSingleResolvesEverything() {
        ModelSpec a = TestModels.spec();
        ModelSpec fallback = TestModels.specBuilder().batchSize(8).build();
        ModelSpecResolver byId = ModelSpecResolver.byId(Map.of("a", a), fallback);
        assertThat(byId.specFor("a")).isSameAs(a);
        assertThat(byId.specFor("other")).isSameAs(fallback);
        assertThat(ModelSpecResolver.single(a).specFor("anything")).isSameAs(a);
    }
}
