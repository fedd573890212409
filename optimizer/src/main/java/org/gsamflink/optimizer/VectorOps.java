package org.gsamflink.optimizer;

import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * The vector operations a GSAM step needs on the flat parameter and gradient vectors. float32 and float64
 * go to BLAS level 1 (nrm2, dot, axpy, scal: ~4× faster than ND4J's reductions at these sizes). Other types
 * (float16) go through ND4J's own ops, since BLAS has no half-precision level 1 (ND4J's CPU wrapper fails with a
 * ClassCastException); their norms and dot products are accumulated in float32, as float16 sums of 10⁵ squares
 * overflow or lose the small terms.
 */
abstract class VectorOps {

    abstract double nrm2(INDArray x);

    abstract double dot(INDArray x, INDArray y);

    /** y ← y + a·x. */
    abstract void axpy(double a, INDArray x, INDArray y);

    /** x ← a·x. */
    abstract void scal(double a, INDArray x);

    /**
     * Whether no element of {@code x} is NaN or infinite. Exact: a sum that overflows for large finite values is
     * not taken for a non-finite element.
     */
    abstract boolean allFinite(INDArray x);

    /**
     * Counts the NaN and infinite elements: one exact pass (ND4J's MatchCondition), but slow (≈ 2 ms for 539k
     * float32 values on a 2-core CPU, ten times a BLAS pass): only a fallback.
     */
    static boolean noNonFiniteElement(INDArray x) {
        return Nd4j.getExecutioner().exec(new MatchCondition(x, Conditions.notFinite())).getLong(0) == 0;
    }

    static VectorOps forType(DataType type) {
        return type == DataType.FLOAT || type == DataType.DOUBLE ? new Blas() : new Nd4jOps();
    }

    private static final class Blas extends VectorOps {
        private final Level1 blas = Nd4j.getBlasWrapper().level1();

        @Override
        double nrm2(INDArray x) {
            return blas.nrm2(x);
        }

        @Override
        double dot(INDArray x, INDArray y) {
            return blas.dot(x.length(), 1.0, x, y);
        }

        @Override
        void axpy(double a, INDArray x, INDArray y) {
            blas.axpy(x.length(), a, x, y);
        }

        @Override
        void scal(double a, INDArray x) {
            blas.scal(x.length(), a, x);
        }

        /**
         * One BLAS pass, Σ|x_i|: finite only if every element is (a NaN or ±∞ makes it NaN or ∞); only when it is
         * not finite — a NaN/∞, or finite values whose sum overflows (Adam's second moment can be ~1e34 per
         * element in float32) — the exact count decides.
         */
        @Override
        boolean allFinite(INDArray x) {
            return Double.isFinite(blas.asum(x)) || noNonFiniteElement(x);
        }
    }

    private static final class Nd4jOps extends VectorOps {
        @Override
        double nrm2(INDArray x) {
            return x.castTo(DataType.FLOAT).norm2Number().doubleValue();
        }

        @Override
        double dot(INDArray x, INDArray y) {
            INDArray xf = x.castTo(DataType.FLOAT);
            return xf.muli(y.castTo(DataType.FLOAT)).sumNumber().doubleValue();
        }

        @Override
        void axpy(double a, INDArray x, INDArray y) {
            y.addi(x.mul(a));
        }

        @Override
        void scal(double a, INDArray x) {
            x.muli(a);
        }

        /** ND4J's MatchCondition misses NaN in float16 arrays: count in float32 (exact: float16 ⊂ float32). */
        @Override
        boolean allFinite(INDArray x) {
            return noNonFiniteElement(x.castTo(DataType.FLOAT));
        }
    }
}
