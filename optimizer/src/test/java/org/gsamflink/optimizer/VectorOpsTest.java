package org.gsamflink.optimizer;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link VectorOps#allFinite}: every position (SIMD body and tail), every type, and sums that overflow. */
class VectorOpsTest {

    @Test
    void aSingleNonFiniteElementAnywhereIsFound() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF}) {
            VectorOps ops = VectorOps.forType(type);
            for (int length : new int[] {1, 7, 17, 1000, 100_003}) {
                INDArray x = Nd4j.rand(type, length).subi(0.5);
                assertThat(ops.allFinite(x)).as("%s[%d]", type, length).isTrue();
                for (int at : new int[] {0, length / 2, length - 1}) {
                    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                        double old = x.getDouble(at);
                        x.putScalar(at, bad);
                        assertThat(ops.allFinite(x)).as("%s[%d] with %s at %d", type, length, bad, at).isFalse();
                        x.putScalar(at, old);
                    }
                }
                assertThat(ops.allFinite(x)).isTrue();
            }
        }
    }

    @Test
    void largeFiniteValuesWhoseSumOverflowsAreFinite() {
        INDArray f = Nd4j.valueArrayOf(new long[] {1000}, 1e37f, DataType.FLOAT);   // Σ = 1e40 > Float.MAX_VALUE
        assertThat(VectorOps.forType(DataType.FLOAT).allFinite(f)).isTrue();
        INDArray d = Nd4j.valueArrayOf(new long[] {1000}, 1e306, DataType.DOUBLE);
        assertThat(VectorOps.forType(DataType.DOUBLE).allFinite(d)).isTrue();
        d.putScalar(999, Double.NaN);
        assertThat(VectorOps.forType(DataType.DOUBLE).allFinite(d)).isFalse();
    }
}
