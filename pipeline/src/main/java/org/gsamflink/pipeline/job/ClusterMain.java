package org.gsamflink.pipeline.job;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.gsamflink.pipeline.InvalidInputException;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The main class of {@code gsam-flink-job.jar}: assembles the training job from a YAML file plus {@code -D}
 * overrides and executes it in whatever environment Flink gives ({@code flink run}, application mode on the Flink
 * Kubernetes Operator's {@code FlinkDeployment}, {@code standalone-job}). It never calls {@code System.exit}: in
 * application mode {@code main} runs in the JobManager's JVM, and {@code execute()} returns as soon as the job is
 * submitted, so an exit would take the JobManager down with it. A failure is thrown instead, which Flink reports as
 * the application's failure.
 *
 * <pre>{@code
 * flink run gsam-flink-job.jar --config job.yaml -D gsam.alpha=0.2
 * flink run gsam-flink-job.jar run --config job.yaml     # the gsam-flink command line's spelling, also accepted
 * flink run gsam-flink-job.jar serve --config serve.yaml # the prediction job (job.mode: serve)
 * }</pre>
 *
 * <p>The {@code gsam-flink} application (module {@code cli}) runs the same job locally or submits it with {@code
 * gsam-flink run}; this class is what the cluster needs of it, without the command line's libraries.
 */
public final class ClusterMain {

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: gsam-flink-job [run|serve] --config FILE [-D KEY=VALUE]... [--check]",
            "Runs the gsam-flink Kafka training job (run, the default) or prediction job (serve: the same as",
            "-D job.mode=serve) in this Flink environment.",
            "  --config FILE         the job's YAML configuration file",
            "  -D, --set KEY=VALUE   override one configuration key (repeatable), e.g. -D gsam.alpha=0.2",
            "  --check               validate the configuration and print the job graph; do not run",
            "  -h, --help            show this help");

    private ClusterMain() {}

    public static void main(String[] args) throws Exception {
        run(args, new PrintWriter(System.out, true, Charset.defaultCharset()));
    }

    /**
     * Parses {@code args}, builds the job and executes it (or, with {@code --check}, prints its plan).
     *
     * @throws InvalidInputException for bad arguments or a bad configuration, naming the option or key
     */
    public static void run(String[] args, PrintWriter out) throws Exception {
        Arguments a = Arguments.parse(args);
        if (a.help) {
            out.println(USAGE);
            out.flush();
            return;
        }
        JobConfig cfg = load(a.config, a.overrides);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(cfg.flinkConfiguration());
        build(env, cfg);
        if (a.check) {
            out.println(env.getExecutionPlan());
            out.flush();
            return;
        }
        preflight(cfg);
        env.execute(cfg.get(JobOptions.JOB_NAME));
    }

    /** The job's configuration from a YAML file (or null) and {@code -D} overrides, checked key by key. */
    public static JobConfig load(Path config, List<String> overrides) {
        if (config == null && overrides.isEmpty()) {
            throw new InvalidInputException("give --config FILE and/or -D key=value options");
        }
        try {
            return JobConfig.load(config, overrides);
        } catch (IllegalArgumentException e) {   // JobConfigException
            throw new InvalidInputException(e.getMessage());
        }
    }

    /**
     * The {@link KafkaPreflight} check, unless {@code job.preflight} is false: call it after building the job and
     * before executing it (not for {@code --check}, which needs no broker).
     *
     * @throws KafkaPreflight.Failed (bad input) listing every problem with the brokers and topics
     */
    public static void preflight(JobConfig cfg) {
        if (cfg.get(JobOptions.PREFLIGHT)) {
            KafkaPreflight.forJob(cfg).check();
        }
    }

    /**
     * {@link GsamJob#build}, or {@link ServingJob#build} for {@code job.mode: serve}, with a configuration problem
     * reported as bad input.
     */
    public static void build(StreamExecutionEnvironment env, JobConfig cfg) {
        try {
            if (cfg.get(JobOptions.MODE) == JobOptions.Mode.SERVE) {
                ServingJob.build(env, cfg);
            } else {
                GsamJob.build(env, cfg);
            }
        } catch (IllegalArgumentException e) {   // includes JobConfigException and bad model specs
            throw new InvalidInputException(e.getMessage());
        }
    }

    /** The arguments: a YAML file, overrides and two flags. */
    static final class Arguments {
        Path config;
        final List<String> overrides = new ArrayList<>();
        boolean check;
        boolean help;

        static Arguments parse(String[] args) {
            Arguments a = new Arguments();
            List<String> rest = new ArrayList<>(Arrays.asList(args));
            if (!rest.isEmpty() && rest.get(0).equals("run")) {
                rest.remove(0);
            } else if (!rest.isEmpty() && rest.get(0).equals("serve")) {
                rest.remove(0);
                a.overrides.add(JobOptions.MODE.key() + "=serve");
            }
            for (int i = 0; i < rest.size(); i++) {
                String arg = rest.get(i);
                if (arg.equals("-h") || arg.equals("--help")) {
                    a.help = true;
                } else if (arg.equals("--check")) {
                    a.check = true;
                } else if (arg.equals("--config")) {
                    a.config = Path.of(value(rest, ++i, arg));
                } else if (arg.startsWith("--config=")) {
                    a.config = Path.of(arg.substring("--config=".length()));
                } else if (arg.equals("-D") || arg.equals("--set")) {
                    a.overrides.add(value(rest, ++i, arg));
                } else if (arg.startsWith("-D") || arg.startsWith("--set=")) {
                    a.overrides.add(arg.substring(arg.startsWith("-D") ? 2 : "--set=".length()));
                } else {
                    throw new InvalidInputException("unknown argument '" + arg + "'" + System.lineSeparator() + USAGE);
                }
            }
            return a;
        }

        private static String value(List<String> args, int i, String option) {
            if (i >= args.size()) {
                throw new InvalidInputException(option + " needs a value" + System.lineSeparator() + USAGE);
            }
            return args.get(i);
        }
    }
}
