package org.gsamflink.optimizer;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link GsamState}'s format versions: 1 with parameters and updater state, 2 without (for snapshots), 3 and 4 the
 * same with the loss-spike guard's state.
 */
class GsamStateFormatTest {

    private static final GsamConfig CFG = GsamConfig.builder().alpha(0.2).rho(0.05).seed(3).build();

    private static MultiLayerNetwork net(long seed) {
        return TinyNetworks.init(TinyNetworks.mlp(4, 6, 3, new Adam(1e-2), DataType.FLOAT, 0, false, seed));
    }

    private static Gsam trained(MultiLayerNetwork net, int steps) {
        Gsam g = new Gsam(net, CFG);
        for (int i = 0; i < steps; i++) {
            g.step(TinyNetworks.classificationBatch(8, 4, 3, DataType.FLOAT, i));
        }
        return g;
    }

    private static byte[] zip(MultiLayerNetwork net) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bos, true);
        return bos.toByteArray();
    }

    @Test
    void withoutParametersItHoldsOnlyTheCounters() {
        MultiLayerNetwork net = net(1);
        try (Gsam g = trained(net, 3)) {
            byte[] bytes = g.exportStateWithoutParameters();
            assertThat(bytes).hasSize(70);
            assertThat(((bytes[4] & 0xff) << 8) | (bytes[5] & 0xff)).isEqualTo(GsamState.WITHOUT_PARAMETERS_VERSION);
            GsamState s = GsamState.decode(bytes);
            assertThat(s.hasParameters()).isFalse();
            assertThat(s.numParams()).isEqualTo(net.params().length());
            assertThat(s.step()).isEqualTo(3);
            assertThat(s.lastRho()).isEqualTo(0.05);
            assertThat(s.iterationCount()).isEqualTo(net.getIterationCount());
            assertThatThrownBy(s::encode).hasMessageContaining("withParametersFrom");
            try (Gsam other = new Gsam(net(2), CFG)) {
                assertThatThrownBy(() -> other.restoreState(s)).hasMessageContaining("no parameters");
            }
        }
    }

    @Test
    void withTheModelZipItIsTheWholeState() throws IOException {
        MultiLayerNetwork net = net(1);
        try (Gsam g = trained(net, 4)) {
            GsamState combined = GsamState.decode(g.exportStateWithoutParameters()).withParametersFrom(zip(net));
            assertThat(combined.hasParameters()).isTrue();
            assertThat(combined.encode()).isEqualTo(g.exportState());

            MultiLayerNetwork resumedNet = net(77);
            try (Gsam resumed = new Gsam(resumedNet, CFG)) {
                resumed.restoreState(combined);
                assertThat(resumed.exportState()).isEqualTo(g.exportState());
                assertThat(resumedNet.params()).isEqualTo(net.params());
            }
        }
    }

    @Test
    void aVersionOneStateNeedsNoZip() {
        try (Gsam g = trained(net(1), 2)) {
            GsamState full = GsamState.decode(g.exportState());
            assertThat(full.hasParameters()).isTrue();
            assertThat(full.withParametersFrom(new byte[0])).isSameAs(full);
        }
    }

    @Test
    void aZipOfAnotherNetworkOrWithoutUpdaterIsRejected() throws IOException {
        MultiLayerNetwork net = net(1);
        try (Gsam g = trained(net, 1)) {
            GsamState counters = GsamState.decode(g.exportStateWithoutParameters());
            MultiLayerNetwork wider = TinyNetworks.init(
                    TinyNetworks.mlp(4, 9, 3, new Adam(1e-2), DataType.FLOAT, 0, false, 1));
            assertThatThrownBy(() -> counters.withParametersFrom(zip(wider))).hasMessageContaining("parameters");
            MultiLayerNetwork sgd = TinyNetworks.init(
                    TinyNetworks.mlp(4, 6, 3, new Sgd(0.1), DataType.FLOAT, 0, false, 1));
            assertThatThrownBy(() -> counters.withParametersFrom(zip(sgd))).hasMessageContaining("updater state");
        }
    }

    @Test
    void bytesInTheVersionOneFormatOfEarlierReleasesAreRead() throws IOException {
        // Written field by field as release 0.1.0 wrote it: header, then params [1.5, -2] (FLOAT), no updater state.
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.writeInt(GsamState.MAGIC);
            out.writeShort(1);
            out.writeLong(12);
            out.writeLong(1);
            out.writeLong(99);
            out.writeInt(13);
            out.writeInt(2);
            out.writeDouble(0.01);
            out.writeDouble(0.05);
            out.writeByte(1);
            out.writeLong(2);
            out.writeFloat(1.5f);
            out.writeFloat(-2f);
            out.writeByte(1);
            out.writeLong(0);
        }
        GsamState s = GsamState.decode(bos.toByteArray());
        assertThat(s.hasParameters()).isTrue();
        assertThat(s.step()).isEqualTo(12);
        assertThat(s.skippedSteps()).isEqualTo(1);
        assertThat(s.seed()).isEqualTo(99);
        assertThat(s.iterationCount()).isEqualTo(13);
        assertThat(s.epochCount()).isEqualTo(2);
        assertThat(s.lastLr()).isEqualTo(0.01);
        assertThat(s.numParams()).isEqualTo(2);
        assertThat(s.encode()).isEqualTo(bos.toByteArray());
        assertThat(GsamState.decode(s.encodeWithoutParameters()).numParams()).isEqualTo(2);
    }

    @Test
    void unknownVersionsAreRejected() {
        byte[] bytes = new Gsam(net(1), CFG).exportStateWithoutParameters();
        bytes[5] = 7;
        assertThatThrownBy(() -> GsamState.decode(bytes)).hasMessageContaining("versions 1 to 6");
        bytes[5] = 0;
        assertThatThrownBy(() -> GsamState.decode(bytes)).hasMessageContaining("unsupported GSAM optimizer state version 0");
    }

    /** The header every version shares: magic, version, step 12, skipped 1, seed 99, iterations 13, epochs 2, lr, ρ. */
    private static void header(DataOutputStream out, int version) throws IOException {
        out.writeInt(GsamState.MAGIC);
        out.writeShort(version);
        out.writeLong(12);
        out.writeLong(1);
        out.writeLong(99);
        out.writeInt(13);
        out.writeInt(2);
        out.writeDouble(0.01);
        out.writeDouble(0.05);
    }

    private static void guard(DataOutputStream out) throws IOException {
        out.writeInt(3);
        out.writeDouble(0.5);
        out.writeDouble(0.25);
        out.writeDouble(0.75);
        out.writeInt(1);
        out.writeDouble(9.0);
    }

    @Test
    void versionThreeIsVersionOneWithTheLossSpikeGuardsState() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            header(out, 3);
            out.writeByte(1);
            out.writeLong(2);
            out.writeFloat(1.5f);
            out.writeFloat(-2f);
            out.writeByte(1);
            out.writeLong(0);
            guard(out);
        }
        GsamState s = GsamState.decode(bos.toByteArray());
        assertThat(s.hasParameters()).isTrue();
        assertThat(s.hasGuardState()).isTrue();
        assertThat(s.step()).isEqualTo(12);
        assertThat(s.numParams()).isEqualTo(2);
        assertThat(s.lossWindow()).containsExactly(0.5, 0.25, 0.75);
        assertThat(s.lossSpikes()).containsExactly(9.0);
        assertThat(s.encode()).isEqualTo(bos.toByteArray());
        GsamState counters = GsamState.decode(s.encodeWithoutParameters());
        assertThat(counters.lossWindow()).containsExactly(0.5, 0.25, 0.75);
        assertThat(counters.lossSpikes()).containsExactly(9.0);
    }

    @Test
    void versionFourIsVersionTwoWithTheLossSpikeGuardsState() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            header(out, 4);
            out.writeLong(2);
            out.writeLong(0);
            guard(out);
        }
        GsamState s = GsamState.decode(bos.toByteArray());
        assertThat(s.hasParameters()).isFalse();
        assertThat(s.numParams()).isEqualTo(2);
        assertThat(s.lossWindow()).containsExactly(0.5, 0.25, 0.75);
        assertThat(s.lossSpikes()).containsExactly(9.0);
        assertThat(s.encodeWithoutParameters()).isEqualTo(bos.toByteArray()).hasSize(70 + 8 + 4 * 8);
    }

    @Test
    void aStateWithoutGuardStatisticsIsStillWrittenAsVersionOneAndTwo() {
        try (Gsam g = trained(net(1), 2)) {
            byte[] full = g.exportState();
            byte[] counters = g.exportStateWithoutParameters();
            assertThat(((full[4] & 0xff) << 8) | (full[5] & 0xff)).isEqualTo(GsamState.WITH_PARAMETERS_VERSION);
            assertThat(((counters[4] & 0xff) << 8) | (counters[5] & 0xff))
                    .isEqualTo(GsamState.WITHOUT_PARAMETERS_VERSION);
            assertThat(GsamState.decode(full).hasGuardState()).isFalse();
        }
    }

    @Test
    void aCorruptGuardLengthIsRejected() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            header(out, 4);
            out.writeLong(2);
            out.writeLong(0);
            out.writeInt(-1);
        }
        assertThatThrownBy(() -> GsamState.decode(bos.toByteArray()))
                .hasMessageContaining("invalid loss-spike guard length -1");
        byte[] truncated = java.util.Arrays.copyOf(bos.toByteArray(), bos.size() - 2);
        assertThatThrownBy(() -> GsamState.decode(truncated)).hasMessageContaining("truncated");
    }
}
