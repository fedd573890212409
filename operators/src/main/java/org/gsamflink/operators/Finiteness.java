package org.gsamflink.operators;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Whether a model's parameters and updater state are all finite: the check after every step (operator), before every
 * snapshot (operator) and before every store write (sink). One reduction per array ({@code MatchCondition} counting
 * NaN/±Inf values, a scalar result; no copy of the array).
 */
public final class Finiteness {

    /** The parameters hold a NaN or infinite value. */
    public static final String NON_FINITE_PARAMETERS = "non-finite-parameters";
    /** The updater state (e.g. Adam's moments) holds a NaN or infinite value. */
    public static final String NON_FINITE_UPDATER_STATE = "non-finite-updater-state";

    private Finiteness() {}

    /** The number of NaN or infinite values in {@code a} (0 for null or empty). */
    public static long nonFiniteCount(INDArray a) {
        if (a == null || a.isEmpty()) {
            return 0;
        }
        return Nd4j.getExecutioner().exec(new MatchCondition(a, Conditions.notFinite())).getLong(0);
    }

    /** {@link #NON_FINITE_PARAMETERS}, {@link #NON_FINITE_UPDATER_STATE}, or null when the network is all finite. */
    public static String problem(Model network) {
        if (nonFiniteCount(network.params()) > 0) {
            return NON_FINITE_PARAMETERS;
        }
        return nonFiniteCount(updaterState(network)) > 0 ? NON_FINITE_UPDATER_STATE : null;
    }

    /** The network's flat updater state (a view), or null when it has none. */
    static INDArray updaterState(Model network) {
        if (network instanceof MultiLayerNetwork n) {
            return n.getUpdater() == null ? null : n.getUpdater().getStateViewArray();
        }
        if (network instanceof ComputationGraph g) {
            return g.getUpdater() == null ? null : g.getUpdater().getStateViewArray();
        }
        return null;
    }

    /**
     * The problem of a DL4J {@code ModelSerializer} zip (a snapshot's model bytes): {@link #NON_FINITE_PARAMETERS},
     * {@link #NON_FINITE_UPDATER_STATE}, or null when its arrays are finite. Bytes that are not a readable model zip
     * are not judged here (null): their format is the writer's business, the values are this check's.
     */
    public static String zipProblem(byte[] modelZip) {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(modelZip))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals(ModelSerializer.COEFFICIENTS_BIN)) {
                    if (nonFiniteCount(Nd4j.read(new DataInputStream(zip))) > 0) {
                        return NON_FINITE_PARAMETERS;
                    }
                } else if (e.getName().equals(ModelSerializer.UPDATER_BIN)) {
                    if (nonFiniteCount(Nd4j.read(new DataInputStream(zip))) > 0) {
                        return NON_FINITE_UPDATER_STATE;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
