package org.gsamflink.cli;

/** The {@code --optimizer} choices: all are {@code Gsam} configurations. */
public enum OptimizerKind {
    /** The plain base updater: ρ = 0, no perturbed pass. */
    SGD,
    /** SAM (Foret et al. 2021): α = 0. */
    SAM,
    /** ASAM (Kwon et al. 2021): α = 0 with the adaptive perturbation. */
    ASAM,
    /** GSAM (Zhuang et al. 2022). */
    GSAM;

    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
