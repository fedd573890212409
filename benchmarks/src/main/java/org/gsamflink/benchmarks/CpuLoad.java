package org.gsamflink.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Machine-wide and own-process CPU time from Linux {@code /proc} (clock ticks, all CPUs summed): tells how much CPU
 * this JVM used during a timed window, and how much <em>other</em> processes took from the same cores meanwhile. On a
 * shared 2-core machine that second number explains most of the run-to-run noise. Elsewhere the values are NaN.
 */
public record CpuLoad(long busyTicks, long ownTicks, long nanos) {

    /** USER_HZ: the unit of /proc/stat and /proc/self/stat on Linux. */
    private static final double TICKS_PER_SECOND = 100.0;
    private static final Path STAT = Path.of("/proc/stat");
    private static final Path SELF = Path.of("/proc/self/stat");

    /** Now; busyTicks and ownTicks are -1 where /proc is not readable. */
    public static CpuLoad sample() {
        long busy = -1;
        long own = -1;
        try {
            String cpu = Files.readAllLines(STAT).get(0);   // cpu user nice system idle iowait irq softirq steal ...
            String[] f = cpu.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
                total += Long.parseLong(f[i]);
            }
            busy = total - Long.parseLong(f[4]) - Long.parseLong(f[5]);
            String self = Files.readString(SELF);
            // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15 (1-based).
            String[] s = self.substring(self.lastIndexOf(')') + 2).trim().split("\\s+");
            own = Long.parseLong(s[11]) + Long.parseLong(s[12]);
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: no load figures
        }
        return new CpuLoad(busy, own, System.nanoTime());
    }

    /** CPU cores this process used on average between {@code start} and this sample. */
    public double ownCoresSince(CpuLoad start) {
        if (ownTicks < 0 || start.ownTicks < 0 || nanos <= start.nanos) {
            return Double.NaN;
        }
        return (ownTicks - start.ownTicks) / TICKS_PER_SECOND / ((nanos - start.nanos) / 1e9);
    }

    /** CPU cores all other processes used on average between {@code start} and this sample (never below 0). */
    public double foreignCoresSince(CpuLoad start) {
        if (busyTicks < 0 || start.busyTicks < 0 || nanos <= start.nanos) {
            return Double.NaN;
        }
        double busy = (busyTicks - start.busyTicks) / TICKS_PER_SECOND / ((nanos - start.nanos) / 1e9);
        return Math.max(0.0, busy - ownCoresSince(start));
    }

    /**
     * Waits, up to {@code maxSeconds}, until other processes use less than a quarter of a core (over half a second),
     * so that fewer timed runs share the cores with someone else's build.
     *
     * @return the other processes' cores at the last look (NaN where /proc is not readable)
     */
    public static double awaitQuiet(int maxSeconds) throws InterruptedException {
        long t0 = System.nanoTime();
        double load = Double.NaN;
        while ((System.nanoTime() - t0) / 1e9 < maxSeconds) {
            CpuLoad a = sample();
            Thread.sleep(500);
            load = sample().foreignCoresSince(a);
            if (!(load >= 0.25)) {
                break;
            }
        }
        return load;
    }
}
