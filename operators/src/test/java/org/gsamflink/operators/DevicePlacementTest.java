package org.gsamflink.operators;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DevicePlacementTest {

    @Test
    void autoSpreadsSubtasksOverTheDevices() {
        DevicePlacement p = DevicePlacement.parse("auto");
        assertThat(p.deviceFor(0, 4)).hasValue(0);
        assertThat(p.deviceFor(5, 4)).hasValue(1);
        assertThat(p.deviceFor(3, 1)).hasValue(0);
    }

    @Test
    void aListIsUsedRoundRobinAndNoneBindsNothing() {
        DevicePlacement p = DevicePlacement.parse(" 2, 0 ,3");
        assertThat(p.deviceFor(0, 4)).hasValue(2);
        assertThat(p.deviceFor(1, 4)).hasValue(0);
        assertThat(p.deviceFor(4, 4)).hasValue(0);
        assertThat(p.toString()).isEqualTo("2,0,3");
        assertThat(DevicePlacement.parse("NONE").deviceFor(1, 8)).isEmpty();
    }

    @Test
    void badSpecsAndMissingDevicesAreNamed() {
        assertThatThrownBy(() -> DevicePlacement.parse("gpu0"))
                .hasMessage("devices must be auto, none or a list of device indices like 0,1,3; got 'gpu0'");
        assertThatThrownBy(() -> DevicePlacement.parse("1,-1")).hasMessage("device indices must be >= 0, got -1 in '1,-1'");
        assertThatThrownBy(() -> DevicePlacement.parse("1,1")).hasMessage("device 1 appears twice in '1,1'");
        assertThatThrownBy(() -> DevicePlacement.parse("0,3").deviceFor(1, 2))
                .hasMessage("training.devices names device 3, but this TaskManager has 2 device(s) (0..1)");
    }

    @Test
    void onTheCpuBackendBindingIsDeviceZero() {
        assertThat(DevicePlacement.AUTO.bindCurrentThread(3)).hasValue(0);
        assertThat(DevicePlacement.NONE.bindCurrentThread(3)).isEmpty();
    }
}
