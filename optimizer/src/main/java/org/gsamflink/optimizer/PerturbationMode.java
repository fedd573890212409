package org.gsamflink.optimizer;

/**
 * How the ascent step e is formed from the clean gradient g (all vectors over the whole flattened parameter set,
 * ε = 1e-12).
 */
public enum PerturbationMode {
    /** e = ρ · g / (‖g‖ + ε): SAM and GSAM's default. */
    NONE,
    /**
     * e = ρ · (w ⊙ w ⊙ g) / (‖ |w| ⊙ g ‖ + ε): adaptive SAM as in the GSAM authors' code ({@code adaptive=True},
     * from Kwon et al. 2021 via davda54/sam).
     */
    ASAM,
    /**
     * e = ρ · (|w| ⊙ g) / (‖g‖ + ε): Algorithm 1 of the GSAM paper, the official JAX code's
     * {@code adaptive_perturbation=True}.
     */
    PAPER;

    /** Parses {@code none | asam | paper}, case-insensitively. */
    public static PerturbationMode parse(String s) {
        for (PerturbationMode m : values()) {
            if (m.name().equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("perturbation mode must be one of none, asam, paper; got '" + s + "'");
    }
}
