package org.gsamflink.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** The producer options that {@code demo} and {@code produce} share keep each command's own defaults. */
class ProducerOptionsTest {

    private static ProducerOptions parse(Object command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command instanceof DemoCommand d ? d.producer : ((ProduceCommand) command).producer;
    }

    @Test
    void eachCommandHasItsOwnDefaults() {
        ProducerOptions demo = parse(new DemoCommand());
        assertThat(demo.format()).isEqualTo("binary");
        assertThat(demo.modelId()).isEqualTo("fashion");
        assertThat(demo.batchSize()).isEqualTo(128);
        assertThat(demo.rate()).isZero();

        ProducerOptions produce = parse(new ProduceCommand(), "--file", "x", "--topic", "t", "--bootstrap-servers", "b");
        assertThat(produce.format()).isEqualTo("json");
        assertThat(produce.modelId()).isEqualTo("default");
        assertThat(produce.batchSize()).isEqualTo(64);
    }

    @Test
    void theOptionsParseTheSameInBothCommands() {
        for (Object command : new Object[] {new DemoCommand(), new ProduceCommand()}) {
            String[] args = command instanceof DemoCommand
                    ? new String[] {"--format", "csv", "--model-id", "m1", "--batch-size", "7", "--rate", "250"}
                    : new String[] {"--file", "x", "--topic", "t", "--bootstrap-servers", "b", "--format", "csv",
                            "--model-id", "m1", "--batch-size", "7", "--rate", "250"};
            ProducerOptions p = parse(command, args);
            assertThat(p.format()).isEqualTo("csv");
            assertThat(p.modelId()).isEqualTo("m1");
            assertThat(p.batchSize()).isEqualTo(7);
            assertThat(p.rate()).isEqualTo(250.0);
        }
    }

    @Test
    void theHelpShowsEachCommandsDefaults() {
        assertThat(Cli.run("demo", "--help").out()).contains("(default: binary;").contains("(default: fashion)")
                .contains("(default: 128)");
        assertThat(Cli.run("produce", "--help").out()).contains("(default: json;").contains("(default: default)")
                .contains("(default: 64)");
    }
}
