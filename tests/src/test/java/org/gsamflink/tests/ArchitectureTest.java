package org.gsamflink.tests;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The house rules of ARCHITECTURE.md, checked on the compiled main classes of every module: dependencies point
 * one way (cli → pipeline → operators → optimizer; model-store beside, used by operators and pipeline and using
 * neither), the optimizer has no Flink inside, and no two packages import each other, directly or in a ring.
 * (benchmarks is not on this classpath: Maven itself keeps every module from depending on it.)
 */
class ArchitectureTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        // The modules arrive as target/classes folders or, after `package` (as in `mvn verify`), as their jars.
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.gsamflink");
    }

    @Test
    void everyModuleIsImported() {
        for (String module : new String[] {"optimizer", "modelstore", "operators", "pipeline", "cli"}) {
            assertThat(main.stream()
                            .filter(c -> c.getPackageName().startsWith("org.gsamflink." + module)).count())
                    .as(module).isGreaterThan(5);
        }
        assertThat(main.stream()
                .filter(c -> c.getPackageName().startsWith("org.gsamflink.tests"))).as("test classes").isEmpty();
    }

    @Test
    void theOptimizerStandsAloneWithoutFlink() {
        noClasses().that().resideInAPackage("org.gsamflink.optimizer..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "org.gsamflink.modelstore..",
                        "org.gsamflink.operators..", "org.gsamflink.pipeline..", "org.gsamflink.cli..")
                .check(main);
    }

    @Test
    void theModelStoreUsesNeitherTheOptimizerNorTheOperators() {
        noClasses().that().resideInAPackage("org.gsamflink.modelstore..")
                .should().dependOnClassesThat().resideInAnyPackage("org.gsamflink.optimizer..",
                        "org.gsamflink.operators..", "org.gsamflink.pipeline..", "org.gsamflink.cli..")
                .check(main);
    }

    @Test
    void theOperatorsKnowNothingOfTheJobOrTheCommandLine() {
        noClasses().that().resideInAPackage("org.gsamflink.operators..")
                .should().dependOnClassesThat().resideInAnyPackage("org.gsamflink.pipeline..", "org.gsamflink.cli..")
                .check(main);
    }

    @Test
    void thePipelineKnowsNothingOfTheCommandLine() {
        noClasses().that().resideInAPackage("org.gsamflink.pipeline..")
                .should().dependOnClassesThat().resideInAnyPackage("org.gsamflink.cli..")
                .check(main);
    }

    @Test
    void thePipelineHoldsNoDemoCommandLineChartBrokerOrOfflineTrainer() {
        noClasses().that().resideInAPackage("org.gsamflink.pipeline..")
                .should().dependOnClassesThat().resideInAnyPackage("picocli..", "org.jfree..", "kafka.server..",
                        "kafka.tools..", "org.apache.kafka.server..", "org.apache.kafka.raft..")
                .check(main);
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.gsamflink.(**)").should().beFreeOfCycles().check(main);
    }
}
