package org.gsamflink.operators;

import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Which ND4J device a training subtask computes on, for TaskManagers with several GPUs: {@code auto} (the default)
 * binds subtask i to device i mod (device count); a list such as {@code 0,2,3} binds it to entry i mod (list
 * size); {@code none} leaves the thread where ND4J puts it. On the CPU backend there is one device and binding
 * changes nothing.
 *
 * <p>The binding is made once, in the operator's {@code open()}, on the task thread that then creates every
 * network of the subtask: ND4J's CUDA backend ties a thread to a device ({@link AffinityManager#unsafeSetDevice}),
 * and arrays live on the device of the thread that created them.
 */
public final class DevicePlacement implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DevicePlacement.class);

    public static final DevicePlacement AUTO = new DevicePlacement(Mode.AUTO, new int[0]);
    public static final DevicePlacement NONE = new DevicePlacement(Mode.NONE, new int[0]);

    private enum Mode { AUTO, NONE, LIST }

    private final Mode mode;
    private final int[] devices;

    private DevicePlacement(Mode mode, int[] devices) {
        this.mode = mode;
        this.devices = devices;
    }

    /**
     * Parses {@code auto}, {@code none} or a comma-separated list of distinct device indices ≥ 0.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static DevicePlacement parse(String spec) {
        String s = spec == null ? "" : spec.strip().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) {
            return AUTO;
        }
        if (s.equals("none")) {
            return NONE;
        }
        List<Integer> list = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            int d;
            try {
                d = Integer.parseInt(part.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("devices must be auto, none or a list of device indices like 0,1,3;"
                        + " got '" + spec + "'");
            }
            if (d < 0) {
                throw new IllegalArgumentException("device indices must be >= 0, got " + d + " in '" + spec + "'");
            }
            if (list.contains(d)) {
                throw new IllegalArgumentException("device " + d + " appears twice in '" + spec + "'");
            }
            list.add(d);
        }
        return new DevicePlacement(Mode.LIST, list.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The device of subtask {@code subtaskIndex} when {@code deviceCount} devices exist; empty for {@code none}.
     *
     * @throws IllegalStateException if a listed device does not exist
     */
    public OptionalInt deviceFor(int subtaskIndex, int deviceCount) {
        if (deviceCount < 1) {
            throw new IllegalArgumentException("deviceCount must be >= 1, got " + deviceCount);
        }
        return switch (mode) {
            case NONE -> OptionalInt.empty();
            case AUTO -> OptionalInt.of(subtaskIndex % deviceCount);
            case LIST -> {
                int d = devices[subtaskIndex % devices.length];
                if (d >= deviceCount) {
                    throw new IllegalStateException("training.devices names device " + d + ", but this TaskManager "
                            + "has " + deviceCount + " device(s) (0.." + (deviceCount - 1) + ")");
                }
                yield OptionalInt.of(d);
            }
        };
    }

    /** Binds the calling thread to the device of {@code subtaskIndex}; returns the device, or empty for none. */
    OptionalInt bindCurrentThread(int subtaskIndex) {
        AffinityManager affinity = Nd4j.getAffinityManager();
        int count = affinity.getNumberOfDevices();
        OptionalInt device = deviceFor(subtaskIndex, count);
        if (device.isPresent() && count > 1) {
            affinity.unsafeSetDevice(device.getAsInt());
            LOG.info("Training subtask {} bound to device {} of {}", subtaskIndex, device.getAsInt(), count);
        }
        return device;
    }

    @Override
    public String toString() {
        return switch (mode) {
            case AUTO -> "auto";
            case NONE -> "none";
            case LIST -> String.join(",", java.util.Arrays.stream(devices).mapToObj(Integer::toString).toList());
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DevicePlacement p && p.mode == mode && java.util.Arrays.equals(p.devices, devices);
    }

    @Override
    public int hashCode() {
        return mode.hashCode() * 31 + java.util.Arrays.hashCode(devices);
    }
}
