package org.gsamflink.operators;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.gsamflink.optimizer.Predictions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@link FadingPrequential} against hand-computed values, MOA's kappa and its own serialized form. */
class FadingPrequentialTest {

    private static void addOne(FadingPrequential f, double alpha, int predicted, int label) {
        f.add(alpha, new int[] {predicted}, new int[] {label});
    }

    @Test
    void nothingSeenIsNaN() {
        FadingPrequential f = new FadingPrequential();
        assertThat(f.isEmpty()).isTrue();
        assertThat(f.accuracy()).isNaN();
        assertThat(f.kappa()).isNaN();
    }

    @Test
    void accuracyAndKappaOfAShortSequenceByHand() {
        // alpha 0.5, (predicted, label): (0, 0) right, (1, 0) wrong, (1, 1) right; every figure is exact in binary.
        FadingPrequential f = new FadingPrequential();
        addOne(f, 0.5, 0, 0);
        assertThat(f.accuracy()).isEqualTo(1.0);
        addOne(f, 0.5, 1, 0);
        assertThat(f.accuracy()).isEqualTo(0.5 / 1.5);                 // S = 0.5, N = 1.5
        addOne(f, 0.5, 1, 1);
        assertThat(f.correct).isEqualTo(1.25);
        assertThat(f.seen).isEqualTo(1.75);
        assertThat(f.accuracy()).isEqualTo(5.0 / 7);
        // predicted: class 0 faded 0.25, class 1 0.5 + 1; labels: class 0 0.25 + 0.5, class 1 1.
        assertThat(f.predicted).containsExactly(0.25, 1.5);
        assertThat(f.actual).containsExactly(0.75, 1.0);
        // pc = (0.25 * 0.75 + 1.5 * 1) / 1.75^2 = 27/49, p0 = 35/49: kappa = 8/22.
        assertThat(f.kappa()).isCloseTo(4.0 / 11, within(1e-15));
    }

    @Test
    void withAlphaOneKappaIsCohensKappaOfTheConfusionMatrix() {
        // The textbook two-rater example (Wikipedia, "Cohen's kappa"): 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no;
        // p0 = 0.7, pe = 0.5 · 0.6 + 0.5 · 0.4 = 0.5, kappa = 0.4.
        assertThat(kappaOf(new int[][] {{20, 5}, {10, 15}})).isCloseTo(0.4, within(1e-12));
        // Three classes (rows predicted, columns true): p0 = 29/40, pc = 11/32, kappa = 61/105.
        assertThat(kappaOf(new int[][] {{10, 2, 3}, {1, 8, 1}, {4, 0, 11}})).isCloseTo(61.0 / 105, within(1e-12));
    }

    /** Kappa with alpha 1 of the examples of {@code confusion[predicted][label]}, fed in a shuffled order. */
    private static double kappaOf(int[][] confusion) {
        List<int[]> examples = new ArrayList<>();
        for (int p = 0; p < confusion.length; p++) {
            for (int y = 0; y < confusion[p].length; y++) {
                for (int n = 0; n < confusion[p][y]; n++) {
                    examples.add(new int[] {p, y});
                }
            }
        }
        Collections.shuffle(examples, new Random(5));
        FadingPrequential f = new FadingPrequential();
        examples.forEach(e -> addOne(f, 1, e[0], e[1]));
        return f.kappa();
    }

    @Test
    void alphaOneIsTheCumulativeAccuracy() {
        Random rnd = new Random(11);
        FadingPrequential f = new FadingPrequential();
        long correct = 0;
        long seen = 0;
        for (int batch = 0; batch < 300; batch++) {
            int[] labels = randomClasses(rnd, 1 + rnd.nextInt(70), 10);
            int[] predicted = randomClasses(rnd, labels.length, 10);
            for (int i = 0; i < labels.length; i++) {
                predicted[i] = rnd.nextDouble() < 0.6 ? labels[i] : predicted[i];
            }
            f.add(1, predicted, labels);
            correct += Predictions.countCorrectClasses(predicted, labels);
            seen += labels.length;
            assertThat(f.accuracy()).isEqualTo((double) correct / seen);
        }
    }

    @Test
    void aMinibatchIsTheSameAsItsExamplesOneByOne() {
        Random rnd = new Random(3);
        FadingPrequential batched = new FadingPrequential();
        FadingPrequential single = new FadingPrequential();
        for (int batch = 0; batch < 50; batch++) {
            int[] labels = randomClasses(rnd, 1 + rnd.nextInt(100), 5);
            int[] predicted = randomClasses(rnd, labels.length, 5);
            for (int i = 0; i < labels.length; i++) {
                predicted[i] = rnd.nextInt(4) == 0 ? Predictions.NO_CLASS : predicted[i];
                addOne(single, 0.99, predicted[i], labels[i]);
            }
            batched.add(0.99, predicted, labels);
        }
        assertThat(batched.seen).isCloseTo(single.seen, within(1e-12));
        assertThat(batched.correct).isCloseTo(single.correct, within(1e-12));
        for (int k = 0; k < 5; k++) {
            assertThat(batched.predicted[k]).isCloseTo(single.predicted[k], within(1e-12));
            assertThat(batched.actual[k]).isCloseTo(single.actual[k], within(1e-12));
        }
        assertThat(batched.kappa()).isCloseTo(single.kappa(), within(1e-12));
    }

    @Test
    void anExamplesWeightHalvesAfterAboutSixHundredNinetyThreeNewerOnesAtTheDefault() {
        double alpha = TrainingOptions.DEFAULT_FADING_FACTOR;
        FadingPrequential f = new FadingPrequential();
        for (int i = 0; i < 20_000; i++) {
            addOne(f, alpha, 1, 1);
        }
        assertThat(f.seen).as("N tends to 1 / (1 - alpha)").isCloseTo(1000, within(1e-3));
        for (int i = 0; i < 693; i++) {
            addOne(f, alpha, 0, 1);
        }
        assertThat(f.accuracy()).isCloseTo(0.5, within(1e-3));
    }

    @Test
    void aPredictionOfNoClassIsWrongAndCountsInNoClass() {
        FadingPrequential f = new FadingPrequential();
        f.add(1, new int[] {Predictions.NO_CLASS, 1}, new int[] {0, 1});
        assertThat(f.accuracy()).isEqualTo(0.5);
        assertThat(f.predicted).containsExactly(0.0, 1.0);
        assertThat(f.actual).containsExactly(1.0, 1.0);
    }

    @Test
    void kappaIsOneForPerfectPredictionsAndNaNForASingleClassStream() {
        FadingPrequential perfect = new FadingPrequential();
        perfect.add(0.9, new int[] {0, 1, 2, 1}, new int[] {0, 1, 2, 1});
        assertThat(perfect.kappa()).isCloseTo(1.0, within(1e-15));

        // Every label and prediction is class 2: chance agreement is 1 and kappa is 0 / 0.
        FadingPrequential oneClass = new FadingPrequential();
        oneClass.add(0.999, new int[] {2, 2, 2}, new int[] {2, 2, 2});
        assertThat(oneClass.accuracy()).isEqualTo(1.0);
        assertThat(oneClass.kappa()).isNaN();
    }

    @Test
    void kappaIsBelowZeroWhenWorseThanChance() {
        FadingPrequential f = new FadingPrequential();
        f.add(1, new int[] {1, 0, 1, 0}, new int[] {0, 1, 0, 1});
        assertThat(f.kappa()).isEqualTo(-1.0);
    }

    @Test
    void writeThenReadIsBitIdenticalAndACopyIsDeep() throws IOException {
        FadingPrequential f = new FadingPrequential();
        f.add(0.999, new int[] {0, 3, 3, 1}, new int[] {0, 2, 3, 1});
        f.add(0.999, new int[] {2}, new int[] {2});
        f.predicted[1] = -0.0;   // odd values go through unchanged too
        f.actual[0] = Double.MIN_VALUE;

        byte[] bytes = bytesOf(f);
        FadingPrequential read = new FadingPrequential();
        read.read(new DataInputDeserializer(bytes));
        assertThat(Double.doubleToRawLongBits(read.correct)).isEqualTo(Double.doubleToRawLongBits(f.correct));
        assertThat(Double.doubleToRawLongBits(read.seen)).isEqualTo(Double.doubleToRawLongBits(f.seen));
        assertThat(read.predicted).isEqualTo(f.predicted);
        assertThat(read.actual).isEqualTo(f.actual);
        assertThat(bytesOf(read)).isEqualTo(bytes);

        FadingPrequential copy = new FadingPrequential();
        copy.copyFrom(f);
        copy.actual[2]++;
        assertThat(bytesOf(copy)).isNotEqualTo(bytes);
        assertThat(bytesOf(f)).isEqualTo(bytes);
    }

    @Test
    void aCorruptClassCountIsRejected() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(32);
        out.writeDouble(1);
        out.writeDouble(2);
        out.writeInt(-3);
        assertThatThrownBy(() -> new FadingPrequential().read(new DataInputDeserializer(out.getCopyOfBuffer())))
                .isInstanceOf(IOException.class)
                .hasMessage("fading prequential statistics of -3 classes (at most 1048576)");
    }

    private static int[] randomClasses(Random rnd, int n, int classes) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = rnd.nextInt(classes);
        }
        return c;
    }

    static byte[] bytesOf(FadingPrequential f) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        f.write(out);
        return out.getCopyOfBuffer();
    }
}
