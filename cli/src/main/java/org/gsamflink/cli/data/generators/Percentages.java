package org.gsamflink.cli.data.generators;

import java.util.Random;

/** MOA's integer percentages: how its generators validate them and draw an event of that probability. */
final class Percentages {

    private Percentages() {}

    /** {@code value} if it is in [0, 100]; MOA's options take whole percentages only. */
    static int check(String name, int value) {
        if (value < 0 || value > 100) {
            throw new IllegalArgumentException(name + " must be a percentage in [0, 100], got " + value);
        }
        return value;
    }

    /**
     * True with probability {@code percentage}/100, drawn as MOA draws it ({@code 1 + nextInt(100) <= p}) so that
     * a seed consumes the generator's random numbers in MOA's order, whatever the percentage.
     */
    static boolean draw(Random random, int percentage) {
        return 1 + random.nextInt(100) <= percentage;
    }
}
