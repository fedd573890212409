package org.gsamflink.optimizer;

import java.util.Objects;

/**
 * How a front end spells each setting of {@link OptimizerSettings} in error messages: {@link #DEFAULT} for the Java
 * API; the command line passes its flags ({@code --optimizer}, {@code --alpha}, {@code --rho-max}, …), the cluster
 * job its keys.
 */
public record OptimizerSettingNames(String preset, String alpha, String rho, String rhoMax, String rhoMin,
                                    String perturbation, String minimizeFp, String clipNorm) {

    public static final OptimizerSettingNames DEFAULT = new OptimizerSettingNames("preset", "alpha", "rho", "rhoMax",
            "rhoMin", "perturbation", "minimizeFp", "clipNorm");

    public OptimizerSettingNames {
        for (String name : new String[] {preset, alpha, rho, rhoMax, rhoMin, perturbation, minimizeFp, clipNorm}) {
            Objects.requireNonNull(name, "names");
        }
    }

    /** The names of the settings before the guards; the clip norm is called {@code clipNorm}. */
    public OptimizerSettingNames(String preset, String alpha, String rho, String rhoMax, String rhoMin,
                                 String perturbation, String minimizeFp) {
        this(preset, alpha, rho, rhoMax, rhoMin, perturbation, minimizeFp, "clipNorm");
    }
}
