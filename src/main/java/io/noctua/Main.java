package io.noctua;

import io.noctua.cli.ServeCommand;

import java.io.PrintStream;
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
            default -> {
                err.println("noctua: unknown command '" + args[0] + "'");
                err.print(usage());
                yield 2;
            }
        };
    }

    static String usage() {
        return """
                Usage: noctua <command> [options]

                Commands:
                  serve    run the Noctua server (Amazon Athena's Spark calculation API on Apache Spark)

                Run 'noctua <command> --help' for the options of a command.
                """;
    }
}
