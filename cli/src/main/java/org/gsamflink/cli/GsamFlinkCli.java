package org.gsamflink.cli;

import org.gsamflink.cli.common.LoggingMixin;
import org.gsamflink.cli.common.ExitCodes;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.pipeline.job.Suggestions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code gsam-flink} command line: the root command and its wiring. Without a subcommand it prints its usage
 * (exit code 2).
 *
 * <p>Errors are one line on stderr, prefixed with the command's name: bad options and invalid input (missing or
 * corrupt files, data that does not fit the model) exit with {@link ExitCodes#INVALID_INPUT} and never show a
 * stack trace; any other failure exits with {@link ExitCodes#RUNTIME_ERROR} and shows its stack trace with
 * {@code --verbose}. {@link #commandLine(PrintWriter, PrintWriter)} builds the wired {@link CommandLine}, so tests
 * drive it exactly as {@link #main} does.
 */
@Command(name = "gsam-flink", mixinStandardHelpOptions = true, versionProvider = GsamFlinkCli.Version.class,
        header = "Train neural networks with the GSAM optimizer (Surrogate Gap Guided Sharpness-Aware Minimization).",
        description = "GSAM (Zhuang et al., ICLR 2022), SAM and ASAM on DL4J, offline or on data streams.",
        subcommands = {DemoCommand.class, TrainCommand.class, RunCommand.class, ServeCommand.class, ProduceCommand.class, DoctorCommand.class,
            org.gsamflink.cli.model.ModelCommand.class, HelpCommand.class},
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCodes.OK_HELP, ExitCodes.RUNTIME_ERROR_HELP, ExitCodes.INVALID_INPUT_HELP})
public final class GsamFlinkCli implements Callable<Integer> {

    private static final Logger LOG = LogManager.getLogger(GsamFlinkCli.class);

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingMixin logging;

    /** No subcommand: show the usage on stderr; that is a usage error. */
    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        cl.usage(cl.getErr());
        cl.getErr().flush();
        return ExitCodes.INVALID_INPUT;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, Charset.defaultCharset());
        PrintWriter err = new PrintWriter(System.err, true, Charset.defaultCharset());
        System.exit(commandLine(out, err).execute(args));
    }

    /** The root command wired with the exit-code mapper, one-line error handlers and the given streams. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new GsamFlinkCli());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(ExitCodes.MAPPER);
        // A mistyped option after a variable-arity option (--data A --lrr 1) is an unknown option, not a value.
        cl.setUnmatchedOptionsAllowedAsOptionParameters(false);
        cl.setParameterExceptionHandler(GsamFlinkCli::handleParameterException);
        cl.setExecutionExceptionHandler(GsamFlinkCli::handleExecutionException);
        return cl;
    }

    /** A bad option or usage: one line naming the option, with suggestions for a mistyped one. */
    static int handleParameterException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = ex.getMessage();
        List<String> suggestions = ex instanceof UnmatchedArgumentException unmatched ? unmatched.getSuggestions()
                : List.of();
        Matcher unknown = UNKNOWN_OPTION.matcher(message);
        if (unknown.lookingAt()) {
            // picocli may append "; Expected parameter for option '--data' but found '--lrr'": the first part says it.
            message = unknown.group();
            if (suggestions.isEmpty()) {
                suggestions = similarOptions(cmd.getCommandSpec(), unknown.group(1));
            }
        }
        if (!suggestions.isEmpty()) {
            message += " (did you mean " + String.join(" or ", suggestions) + "?)";
        }
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + message);
        err.flush();
        return exitCode(cmd, ex);
    }

    /** A failure while a command ran: one line; the stack trace only for runtime errors and with --verbose. */
    static int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        if (ex instanceof InvalidInputException) {
            err.println(name + ": " + ex.getMessage());
            LOG.debug("invalid input", ex);
        } else {
            err.println(name + ": error: " + describe(ex)
                    + (verbose(parsed) ? "" : " (run with --verbose for details)"));
            if (verbose(parsed)) {
                ex.printStackTrace(err);
            }
        }
        err.flush();
        return exitCode(cmd, ex);
    }

    private static final Pattern UNKNOWN_OPTION = Pattern.compile("Unknown options?: '([^']*)'");

    /** Option names of {@code spec} within edit distance 2 of {@code typed}, closest first, at most 3. */
    static List<String> similarOptions(CommandSpec spec, String typed) {
        List<String> names = spec.options().stream().flatMap(o -> Arrays.stream(o.names()))
                .filter(name -> name.length() > 2).toList();
        return Suggestions.closest(typed, names, 2, 3);
    }

    private static int exitCode(CommandLine cmd, Exception ex) {
        CommandLine.IExitCodeExceptionMapper mapper = cmd.getExitCodeExceptionMapper();
        return mapper != null ? mapper.getExitCode(ex) : ExitCodes.forException(ex);
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getName()
                : t.getClass().getSimpleName() + ": " + message.lines().findFirst().orElse("");
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(LoggingMixin.OPTION)) {
                return true;
            }
        }
        return false;
    }

    /** {@code --version}: the project, DL4J and Java versions. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = GsamFlinkCli.class.getResourceAsStream("/gsam-flink-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // fall through to "unknown"
            }
            return new String[] {
                "gsam-flink " + p.getProperty("version", "unknown"),
                "DL4J/ND4J " + p.getProperty("dl4j.version", "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ") on "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch")
            };
        }
    }
}
