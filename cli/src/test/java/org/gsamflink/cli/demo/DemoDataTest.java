package org.gsamflink.cli.demo;

import org.gsamflink.cli.stream.RunFolder;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code demo --data FILE.csv}: the file's rows split into the stream and its held-out tail, the job sized to it. */
class DemoDataTest {

    @TempDir
    Path dir;

    private static final PrintWriter NOWHERE = new PrintWriter(new StringWriter());

    /** Ten rows of three features; row i has feature 0 = i and label i % 3 (i = 9: class 2, the tail's last). */
    private Path tenRows(String header) throws Exception {
        StringBuilder csv = new StringBuilder(header);
        for (int i = 0; i < 10; i++) {
            csv.append(i).append(",0.5,").append(-i).append(',').append(i % 3).append('\n');
        }
        Path file = dir.resolve("stream.csv");
        Files.writeString(file, csv);
        return file;
    }

    @Test
    void aCsvFileIsTheStreamAndItsLastFifthIsHeldOut() throws Exception {
        DemoData d = DemoData.load(tenRows("x1,x2,x3,class\n"), false, -1, NOWHERE);
        assertThat(d.source()).isEqualTo("stream.csv");
        assertThat(d.train().size()).isEqualTo(8);
        assertThat(d.test().size()).isEqualTo(2);
        assertThat(d.train().numFeatures()).isEqualTo(3);
        assertThat(d.train().numClasses()).isEqualTo(3);
        assertThat(d.test().numClasses()).isEqualTo(3);
        // Order kept: the held-out rows are the file's last two.
        for (int i = 0; i < 8; i++) {
            assertThat(d.train().feature(i, 0)).isEqualTo(i);
        }
        assertThat(d.test().feature(0, 0)).isEqualTo(8f);
        assertThat(d.test().feature(1, 0)).isEqualTo(9f);
        assertThat(d.test().label(1)).isEqualTo(0);
        // Training labels 0,1,2,0,1,2,0,1: class 0 and 1 three times each of eight.
        assertThat(d.majorityShare()).isEqualTo(3 / 8.0);
    }

    @Test
    void withoutAHeaderAndWithTheLabelFirst() throws Exception {
        Path file = tenRows("");
        DemoData d = DemoData.load(file, false, 0, NOWHERE);
        assertThat(d.train().size()).isEqualTo(8);
        // Label column 0 holds 0..9, so ten classes; the features are the other three columns.
        assertThat(d.train().numClasses()).isEqualTo(10);
        assertThat(d.train().feature(3, 2)).isEqualTo((float) (3 % 3));
    }

    @Test
    void theCsvPathThroughTheDemosConfigGivesANetworkOfItsWidth() throws Exception {
        DemoData d = DemoData.load(tenRows("a,b,c,label\n"), false, -1, NOWHERE);
        RunFolder folder = RunFolder.prepare(dir.resolve("run"));
        DemoJobPreset preset = DemoJobPreset.builder().folder(folder)
                .data(d.train().numFeatures(), d.train().numClasses()).build();
        JobConfig cfg = preset.config("127.0.0.1:9092", 1, 10);
        assertThat(cfg.get(JobOptions.ARCHITECTURE)).isEqualTo("mlp:3-64-3");
        ModelSpec spec = GsamJob.modelSpec(cfg);
        assertThat(spec.numFeatures()).isEqualTo(3);
        assertThat(spec.numClasses()).isEqualTo(3);
        assertThat(cfg.get(JobOptions.SERVE_ENABLED)).isTrue();

        JobConfig chosen = DemoJobPreset.builder().folder(folder).data(3, 3)
                .overrides(List.of("model.architecture=mlp:3-16-16-3")).build().config("127.0.0.1:9092", 1, 10);
        assertThat(chosen.get(JobOptions.ARCHITECTURE)).isEqualTo("mlp:3-16-16-3");
    }

    @Test
    void whatIsNotACsvFileOrAnIdxDirectoryIsRefused() throws Exception {
        Path one = dir.resolve("one.csv");
        Files.writeString(one, "1,2,0\n");
        assertThatThrownBy(() -> DemoData.load(one, false, -1, NOWHERE)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("1 example; the demo needs at least 2 (it holds out the last 20 %)");
        Path idx = dir.resolve("train-images-idx3-ubyte");
        Files.write(idx, new byte[] {0, 0, 8, 3, 0, 0, 0, 1});
        assertThatThrownBy(() -> DemoData.load(idx, false, -1, NOWHERE))
                .hasMessageContaining("an IDX file; give the directory of the IDX train and t10k files");
        assertThatThrownBy(() -> DemoData.load(dir, false, -1, NOWHERE))
                .hasMessageContaining("neither a CSV file nor a directory of MNIST-style IDX train and t10k files");
        assertThatThrownBy(() -> DemoData.load(dir, false, 0, NOWHERE))
                .hasMessageContaining("--label-column applies only to a CSV file as --data");
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "a,b,label\n1,2,0\n3,x,1\n");
        assertThatThrownBy(() -> DemoData.load(bad, false, -1, NOWHERE)).hasMessageContaining("bad.csv:3: column 2");
    }
}
