package org.gsamflink.operators.drift;

/**
 * A detector fired: which rule ({@link #detector}: {@link DriftMonitors#DRIFT}, {@link SharpnessMonitor#SHARPNESS_JUMP},
 * {@link SharpnessMonitor#ALIGNMENT_COLLAPSE}), the value of its statistic that fired and the threshold it crossed.
 */
public record Alarm(String detector, double statistic, double threshold) {}
