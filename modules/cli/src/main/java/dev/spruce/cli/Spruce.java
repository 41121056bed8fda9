package dev.spruce.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code spruce} command: the root of every subcommand. */
@Command(name = "spruce",
        mixinStandardHelpOptions = true,
        versionProvider = Versions.class,
        description = "Prune, slice and run Llama-family checkpoints on the JVM.",
        subcommands = {DemoCommand.class, InspectCommand.class, GenerateCommand.class, EvalCommand.class, ConvertCommand.class,
                SynthCommand.class, PruneCommand.class, SliceCommand.class, PackCommand.class, ServeCommand.class,
                CalibrateAttentionCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:done",
                "1:internal error (a bug: please report it with --verbose output)",
                "2:bad command line",
                "3:bad input: corrupt checkpoint, invalid config, missing file",
                "4:output exists (use --force) or cannot be written"})
public final class Spruce {

    private Spruce() {
    }

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command line with the given writers (tests capture them). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Spruce());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(new ErrorReporter());
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("spruce: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return ExitCode.USAGE;
        });
        return cli.execute(args);
    }
}
