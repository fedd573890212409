package org.gsamflink.operators.drift;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The alarms of one model: {@link PageHinkley} on its prequential 0/1 errors ({@link #DRIFT}) and the {@link
 * SharpnessMonitor} on its surrogate gap and gradient alignment, fed once per trained step. Part of the model's
 * keyed state ({@code ModelState}); a model restored from state written before they existed starts them fresh.
 * Not thread-safe.
 */
public final class DriftMonitors {

    /** The detector name of a Page-Hinkley alarm on the prequential error. */
    public static final String DRIFT = "drift";

    private final PageHinkley errors = new PageHinkley();
    private final SharpnessMonitor sharpness = new SharpnessMonitor();

    /**
     * Folds one trained minibatch in: its rows' errors in order (a predicted class of −1, none, counts as an error),
     * then the step's sharpness figures (NaN: not computed this step).
     *
     * @return the alarms this step raised, in that order (empty: none); Page-Hinkley fires at most once per step,
     *     since after firing it needs {@link PageHinkley#DEFAULT_MIN_INSTANCES} values again, more than the rest of
     *     most batches, and a second alarm in one batch would say nothing new
     */
    public List<Alarm> add(int[] predicted, int[] labels, double surrogateGap, double cos) {
        List<Alarm> alarms = new ArrayList<>(1);
        boolean drift = false;
        for (int i = 0; i < labels.length; i++) {
            if (errors.add(predicted[i] == labels[i] ? 0 : 1) && !drift) {
                drift = true;
                alarms.add(new Alarm(DRIFT, errors.lastAlarm(), errors.threshold()));
            }
        }
        Alarm s = sharpness.add(surrogateGap, cos);
        if (s != null) {
            alarms.add(s);
        }
        return alarms;
    }

    /** The Page-Hinkley statistic now (for the gauge). */
    public double driftStatistic() {
        return errors.statistic();
    }

    public void copyFrom(DriftMonitors o) {
        errors.copyFrom(o.errors);
        sharpness.copyFrom(o.sharpness);
    }

    /** Page-Hinkley's state, then the sharpness monitor's (each with its own format byte). */
    public void write(DataOutput out) throws IOException {
        errors.write(out);
        sharpness.write(out);
    }

    public void read(DataInput in) throws IOException {
        errors.read(in);
        sharpness.read(in);
    }
}
