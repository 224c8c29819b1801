package io.noctua;

import io.noctua.cli.RunCommand;
import io.noctua.cli.ServeCommand;
import io.noctua.cli.SessionCommands;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** {@code noctua <command> [options]}: the entry point of the launcher script. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(usage());
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "serve" -> new ServeCommand(out, err).run(rest);
            case "run" -> new RunCommand(out, err, System.in, System.getenv(), stderrIsTerminal()).run(rest);
            case "sessions", "calculations", "terminate" -> new SessionCommands(out, err, System.getenv()).run(args[0], rest);
            default -> {
                err.println("noctua: unknown command '" + args[0] + "'");
                err.print(usage());
                yield 2;
            }
        };
    }

    /** Whether a progress line drawn on stderr reaches a person (Linux: fd 2 is a terminal device). */
    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        }
        catch (IOException | UnsupportedOperationException e) {
            return System.console() != null;
        }
    }

    static String usage() {
        return """
                Usage: noctua <command> [options]

                Commands:
                  serve          run the Noctua server (Amazon Athena's Spark calculation API on Apache Spark)
                  run            run a file or inline code as a calculation, with live progress
                  sessions       list the sessions of a workgroup
                  calculations   list the calculations of a session
                  terminate      terminate a session

                Run 'noctua <command> --help' for the options of a command.
                """;
    }
}
