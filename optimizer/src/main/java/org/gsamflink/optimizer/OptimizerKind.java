package org.gsamflink.optimizer;

import java.util.Locale;

/**
 * The optimizer presets of {@link OptimizerSettings}: all are {@link Gsam} configurations (SGD, SAM and ASAM are
 * GSAM with some settings fixed). {@code gsam-flink train --optimizer} takes these names in lower case.
 */
public enum OptimizerKind {
    /** The plain base updater: ρ = 0, no perturbed pass. */
    SGD,
    /** SAM (Foret et al. 2021): α = 0. */
    SAM,
    /** ASAM (Kwon et al. 2021): α = 0 with the adaptive perturbation and its own default ρ. */
    ASAM,
    /** GSAM (Zhuang et al. 2022). */
    GSAM;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
