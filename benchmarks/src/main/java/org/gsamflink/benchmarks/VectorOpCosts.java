package org.gsamflink.benchmarks;

import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cost of the single full-length vector operations a GSAM step is made of, each in the ND4J and the BLAS
 * flavour, on float32 vectors as long as a network's parameter vector. The operations run round-robin, so drift hits
 * all of them alike; reported as medians in milliseconds.
 */
public final class VectorOpCosts {

    private VectorOpCosts() {}

    public static Map<String, Samples> measure(long length, int warmup, int reps) {
        INDArray x = Nd4j.rand(DataType.FLOAT, length).subi(0.5);
        INDArray y = Nd4j.rand(DataType.FLOAT, length).subi(0.5);
        INDArray z = Nd4j.createUninitialized(DataType.FLOAT, length);
        Level1 blas = Nd4j.getBlasWrapper().level1();
        Map<String, Runnable> ops = new LinkedHashMap<>();
        double[] sink = new double[1];
        ops.put("ND4J z.assign(x) (copy)", () -> z.assign(x));
        ops.put("BLAS copy(x, z)", () -> blas.copy(x, z));
        ops.put("ND4J x.norm2Number()", () -> sink[0] += x.norm2Number().doubleValue());
        ops.put("BLAS nrm2(x)", () -> sink[0] += blas.nrm2(x));
        ops.put("BLAS dot(x, y)", () -> sink[0] += blas.dot(length, 1.0, x, y));
        ops.put("BLAS axpy(a, x, z)", () -> blas.axpy(length, 1e-3, x, z));
        ops.put("ND4J Axpy op z = a*x + y", () -> Nd4j.exec(new Axpy(x, y, z, 1e-3)));
        ops.put("ND4J z.muli(a)", () -> z.muli(0.999));
        ops.put("BLAS scal(a, z)", () -> blas.scal(length, 0.999, z));
        String[] names = ops.keySet().toArray(new String[0]);
        Runnable[] run = ops.values().toArray(new Runnable[0]);
        long[][] nanos = new long[run.length][reps];
        for (int r = -warmup; r < reps; r++) {
            for (int j = 0; j < run.length; j++) {
                int k = Math.floorMod(r + j, run.length);
                if (k == 0 || k == 1) {
                    z.assign(y);   // keep z bounded before the ops that accumulate into it
                }
                long t = System.nanoTime();
                run[k].run();
                long d = System.nanoTime() - t;
                if (r >= 0) {
                    nanos[k][r] = d;
                }
            }
        }
        Map<String, Samples> out = new LinkedHashMap<>();
        for (int k = 0; k < run.length; k++) {
            out.put(names[k], new Samples(nanos[k]));
        }
        if (Double.isNaN(sink[0])) {
            throw new IllegalStateException("NaN in the vector-op benchmark");
        }
        return out;
    }
}
