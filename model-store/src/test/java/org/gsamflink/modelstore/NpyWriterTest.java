package org.gsamflink.modelstore;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NpyWriterTest {

    /** {@code numpy.save} (NumPy 2.4) of {@code np.array([1.0, -2.5, 3.25], dtype='<f4')}. */
    private static final String NUMPY_F4 = "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f"
            + "72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020"
            + "202020202020202020202020202020202020202020202020202020202020202020202020202020200a0000803f000020c000"
            + "005040";
    /** The same with {@code dtype='<f8'}. */
    private static final String NUMPY_F8 = "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f"
            + "72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020"
            + "202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000f03f00"
            + "000000000004c00000000000000a40";

    private static byte[] write(float[] data, long... shape) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (shape.length == 0) {
            NpyWriter.write(out, data);
        } else {
            NpyWriter.write(out, data, shape);
        }
        return out.toByteArray();
    }

    private static byte[] write(double[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyWriter.write(out, data);
        return out.toByteArray();
    }

    @Test
    void float32MatchesNumpyByteForByte() throws IOException {
        assertThat(HexFormat.of().formatHex(write(new float[] {1.0f, -2.5f, 3.25f}, 3))).isEqualTo(NUMPY_F4);
    }

    @Test
    void float64MatchesNumpyByteForByte() throws IOException {
        assertThat(HexFormat.of().formatHex(write(new double[] {1.0, -2.5, 3.25}))).isEqualTo(NUMPY_F8);
    }

    @Test
    void float32FileParses() throws IOException {
        float[] values = new float[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i) * 1e3f;
        }
        values[7] = Float.NaN;
        values[8] = Float.NEGATIVE_INFINITY;
        values[9] = Float.MIN_VALUE;
        byte[] file = write(values, values.length);

        // The preamble, checked by hand.
        assertThat(Arrays.copyOf(file, 6)).isEqualTo(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'});
        assertThat(file[6]).isEqualTo((byte) 1);
        assertThat(file[7]).isEqualTo((byte) 0);
        int headerLength = ByteBuffer.wrap(file, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        assertThat((10 + headerLength) % 64).isZero();
        assertThat(file[10 + headerLength - 1]).isEqualTo((byte) '\n');
        assertThat(file.length).isEqualTo(10 + headerLength + 4 * values.length);

        NpyArray a = NpyReader.read(file);
        assertThat(a.majorVersion()).isEqualTo(1);
        assertThat(a.minorVersion()).isZero();
        assertThat(a.header().trim()).isEqualTo("{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }");
        assertThat(a.header()).endsWith(" \n");
        assertThat(a.descr()).isEqualTo("<f4");
        assertThat(a.fortranOrder()).isFalse();
        assertThat(a.shape()).containsExactly(1000L);
        assertThat(a.dataOffset()).isEqualTo(10 + headerLength);
        assertThat(a.dataOffset() % NpyWriter.ALIGNMENT).isZero();
        assertThat(a.itemSize()).isEqualTo(4);
        assertThat(a.toFloatArray()).containsExactly(values);
    }

    @Test
    void float64FileParses() throws IOException {
        double[] values = new double[20_000]; // several write chunks
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.cos(i) / (i + 1);
        }
        byte[] file = write(values);

        NpyArray a = NpyReader.read(file);
        assertThat(a.header().trim()).isEqualTo("{'descr': '<f8', 'fortran_order': False, 'shape': (20000,), }");
        assertThat(a.descr()).isEqualTo("<f8");
        assertThat(a.shape()).containsExactly(20_000L);
        assertThat(a.dataOffset() % 64).isZero();
        assertThat(file.length).isEqualTo(a.dataOffset() + 8 * values.length);
        assertThat(a.toDoubleArray()).containsExactly(values);
        assertThatThrownBy(a::toFloatArray).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dtype <f8 is not a 32-bit float");
    }

    @Test
    void shapesAreWrittenAsPythonTuples() throws IOException {
        assertThat(NpyReader.read(write(new float[6], 2, 3)).header().trim())
                .isEqualTo("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
        NpyArray empty = NpyReader.read(write(new float[0], 0));
        assertThat(empty.shape()).containsExactly(0L);
        assertThat(empty.header()).contains("'shape': (0,)");
        NpyArray scalar = NpyReader.read(write(new float[] {4f}));
        assertThat(scalar.shape()).containsExactly(1L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyWriter.write(out, new double[] {4.0}, new long[0]);
        NpyArray zeroDim = NpyReader.read(out.toByteArray());
        assertThat(zeroDim.shape()).isEmpty();
        assertThat(zeroDim.header()).contains("'shape': ()");
        assertThat(zeroDim.toDoubleArray()).containsExactly(4.0);
    }

    @Test
    void headerIsAlignedForEveryHeaderLength() {
        for (long n = 0; n < 5000; n += 37) {
            for (int dims = 1; dims <= 6; dims++) {
                long[] shape = new long[dims];
                Arrays.fill(shape, 1);
                shape[0] = n;
                byte[] header = NpyWriter.header(NpyWriter.FLOAT32, false, shape);
                assertThat(header.length % 64).isZero();
                assertThat(header[header.length - 1]).isEqualTo((byte) '\n');
            }
        }
    }

    @Test
    void shapeMustMatchTheData() {
        assertThatThrownBy(() -> write(new float[5], 2, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape (2, 3) holds 6 values but the data has 5");
        assertThatThrownBy(() -> write(new float[0], -1))
                .hasMessage("shape (-1,) has a negative dimension");
    }

    @Test
    void readerRejectsMalformedFiles() throws IOException {
        byte[] good = write(new float[] {1f, 2f}, 2);

        byte[] badMagic = good.clone();
        badMagic[1] = 'X';
        assertThatThrownBy(() -> NpyReader.read(badMagic)).hasMessageContaining("not a .npy file");

        assertThatThrownBy(() -> NpyReader.read(Arrays.copyOf(good, good.length - 1)))
                .hasMessageContaining("ends inside its data");
        assertThatThrownBy(() -> NpyReader.read(Arrays.copyOf(good, good.length + 4)))
                .hasMessageContaining("more data than its shape (2,) needs");
        assertThatThrownBy(() -> NpyReader.read(Arrays.copyOf(good, 20)))
                .hasMessageContaining("ends inside its header");

        byte[] intDtype = new String(good, StandardCharsets.ISO_8859_1).replace("<f4", "<i4")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> NpyReader.read(intDtype)).hasMessageContaining("unsupported dtype '<i4'");

        byte[] version9 = good.clone();
        version9[6] = 9;
        assertThatThrownBy(() -> NpyReader.read(version9)).hasMessageContaining("unsupported .npy format version 9");
    }

    @Test
    void readerReadsBigEndianAndFortranOrder() throws IOException {
        String dict = "{'descr': '>f8', 'fortran_order': True, 'shape': (2, 1), }";
        byte[] header = (dict + " ".repeat(64 - (10 + dict.length() + 1) % 64) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer file = ByteBuffer.allocate(10 + header.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        file.put(NpyWriter.MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length).put(header);
        file.order(ByteOrder.BIG_ENDIAN).putDouble(1.5).putDouble(-3.0);

        NpyArray a = NpyReader.read(file.array());
        assertThat(a.fortranOrder()).isTrue();
        assertThat(a.shape()).containsExactly(2L, 1L);
        assertThat(a.toDoubleArray()).containsExactly(1.5, -3.0);
    }

    @Test
    void writesTheIndexAsJson() throws IOException {
        NpyIndex index = NpyIndex.builder().add("0_W", true, 3, 2).add("0_b", 1, 2).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyWriter.writeIndex(out, index);
        assertThat(NpyIndex.fromJson(out.toByteArray()).entries()).isEqualTo(index.entries());
    }
}
