package org.gsamflink.benchmarks;

import org.gsamflink.optimizer.GsamConfig;

import java.util.Locale;

/**
 * What one training step is: DL4J's own {@code fit(DataSet)}, or a {@link org.gsamflink.optimizer.Gsam} step as
 * SAM (α = 0) or GSAM, all over the same base updater of the network.
 */
public enum StepVariant {
    FIT(null),
    SAM(GsamConfig.sam(StepVariant.RHO)),
    GSAM(GsamConfig.gsam(StepVariant.ALPHA, StepVariant.RHO)),
    /** GSAM with {@code sharpness-every: 5}: the full direction every fifth step, the cached correction between. */
    GSAM_K5(GsamConfig.gsam(StepVariant.ALPHA, StepVariant.RHO).toBuilder().sharpnessEvery(5).build());

    /** Perturbation radius of the SAM and GSAM variants. */
    public static final double RHO = 0.05;
    /** GSAM's α. */
    public static final double ALPHA = 0.1;

    private final GsamConfig config;

    StepVariant(GsamConfig config) {
        this.config = config;
    }

    /** The optimizer configuration, or {@code null} for {@link #FIT}. */
    public GsamConfig config() {
        return config;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static StepVariant of(String id) {
        return valueOf(id.trim().toUpperCase(Locale.ROOT));
    }
}
