package org.gsamflink.pipeline.model;

import org.nd4j.linalg.api.buffer.DataType;

import java.util.Locale;

/**
 * The floating-point type of a model's parameters, gradients and updater state (ND4J's {@link DataType}).
 * {@code float32} is the default and what every figure in the README was measured with. {@code float16} halves
 * the memory of parameters and optimizer state; on the CPU backend libnd4j computes it with its own kernels
 * (OpenBLAS has no half-precision GEMM), so it is slower there and meant for GPUs. {@code float64} is for numerical
 * checks. bfloat16 is not offered: DL4J 1.0.0-M2.1 networks accept only DOUBLE, FLOAT and HALF
 * ({@code NeuralNetConfiguration.Builder.dataType} rejects BFLOAT16).
 */
public enum ModelDataType {
    FLOAT32(DataType.FLOAT),
    FLOAT64(DataType.DOUBLE),
    FLOAT16(DataType.HALF);

    private final DataType nd4j;

    ModelDataType(DataType nd4j) {
        this.nd4j = nd4j;
    }

    public DataType nd4j() {
        return nd4j;
    }

    /** The name used in configuration ({@code float32}, …). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code float32 | float64 | float16} (case-insensitive). */
    public static ModelDataType parse(String text) {
        for (ModelDataType t : values()) {
            if (t.configName().equalsIgnoreCase(text.strip())) {
                return t;
            }
        }
        throw new IllegalArgumentException("dtype must be one of float32, float64, float16; got '" + text
                + "'");
    }
}
