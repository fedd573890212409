package org.gsamflink.cli.train;

import org.gsamflink.optimizer.StepResult;
import org.gsamflink.pipeline.InvalidInputException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes one CSV row per optimizer step, with the header {@value #HEADER}. {@code batch_accuracy} is the
 * prequential accuracy of the step's clean-pass predictions on its batch. Numbers computed in float32 (losses,
 * norms) are printed in their shortest float form, others (ρ, lr) in their exact double form; NaN stays {@code
 * NaN}.
 *
 * <p>Lifecycle: the constructor creates (truncates) the file and writes the header, so an unwritable path fails
 * before training starts; rows are flushed at the end of each epoch; {@link #close()} flushes and closes.
 */
public final class StepsCsvWriter implements TrainerListener, AutoCloseable {

    public static final String HEADER = "step,skipped,batch_size,clean_loss,perturbed_loss,surrogate_gap,grad_norm,"
            + "perturbed_grad_norm,cosine,rho,lr,batch_accuracy";

    private final Path file;
    private final BufferedWriter out;

    /**
     * @throws InvalidInputException if the file cannot be created
     */
    public StepsCsvWriter(Path file) {
        this.file = file;
        try {
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            out.write(HEADER);
            out.write('\n');
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot write (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public void onStep(StepEvent event) {
        StepResult r = event.result();
        StringBuilder sb = new StringBuilder(160);
        sb.append(r.step()).append(',').append(r.skipped()).append(',').append(r.batchSize());
        for (double v : new double[] {r.cleanLoss(), r.perturbedLoss(), r.surrogateGap(), r.gradNorm(),
                r.perturbedGradNorm(), r.cosine(), r.rho(), r.lr(), event.batchAccuracy()}) {
            sb.append(',').append(format(v));
        }
        sb.append('\n');
        try {
            out.write(sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write", e);
        }
    }

    @Override
    public void onEpochEnd(EpochSummary summary) {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write", e);
        }
    }

    /** The shortest float form for values that are exactly a float, else the exact double form. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        float f = (float) v;
        return (double) f == v ? Float.toString(f) : Double.toString(v);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
