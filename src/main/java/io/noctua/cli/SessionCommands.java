package io.noctua.cli;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationSummary;
import software.amazon.awssdk.services.athena.model.SessionSummary;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * {@code noctua sessions}, {@code noctua calculations SESSION} and {@code noctua terminate SESSION}:
 * what a person asks about sessions, as plain columns (a header, then one line per item), newest
 * first, so that the output reads well and pipes into {@code grep}, {@code awk} or {@code cut -f}.
 */
public final class SessionCommands {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> environment;

    public SessionCommands(PrintStream out, PrintStream err, Map<String, String> environment) {
        this.out = requireNonNull(out, "out is null");
        this.err = requireNonNull(err, "err is null");
        this.environment = requireNonNull(environment, "environment is null");
    }

    static String usage(String command) {
        return switch (command) {
            case "sessions" -> """
                    Usage: noctua sessions [--work-group NAME] [--state STATE] [options]

                    Lists the sessions of a workgroup (default: spark), newest first: ID, state, start time
                    (UTC) and description. --state keeps one state (IDLE, BUSY, TERMINATED...).
                    """;
            case "calculations" -> """
                    Usage: noctua calculations SESSION [options]

                    Lists the calculations of a session, newest first: ID, state, submission time (UTC),
                    duration and description (or the reason it failed).
                    """;
            default -> """
                    Usage: noctua terminate SESSION [options]

                    Terminates a session; its running calculation, if any, is canceled.
                    """;
        } + "\n" + ClientOptions.HELP;
    }

    public int run(String command, String[] args) {
        ClientOptions connection = new ClientOptions(environment);
        List<String> rest;
        try {
            rest = connection.parse(Arrays.asList(args));
            if (rest.contains("--help") || rest.contains("-h")) {
                out.print(usage(command));
                return 0;
            }
            try (AthenaClient athena = connection.athena()) {
                return switch (command) {
                    case "sessions" -> sessions(athena, rest);
                    case "calculations" -> calculations(athena, rest);
                    default -> terminate(athena, rest);
                };
            }
        }
        catch (ClientOptions.UsageException e) {
            err.println("noctua " + command + ": " + e.getMessage());
            err.print(usage(command));
            return RunCommand.USAGE;
        }
        catch (software.amazon.awssdk.services.athena.model.AthenaException e) {
            err.println("noctua " + command + ": " + e.awsErrorDetails().errorMessage());
            return RunCommand.FAILED;
        }
        catch (SdkException e) {
            err.println("noctua " + command + ": " + e.getMessage());
            return RunCommand.UNREACHABLE;
        }
    }

    private int sessions(AthenaClient athena, List<String> args) {
        String workGroup = "spark";
        String state = null;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--work-group" -> workGroup = value(args, i++);
                case "--state" -> state = value(args, i++).toUpperCase(java.util.Locale.ROOT);
                default -> throw new ClientOptions.UsageException("unknown argument '" + args.get(i) + "'");
            }
        }
        String group = workGroup;
        String wanted = state;
        List<SessionSummary> sessions = new ArrayList<>();
        athena.listSessionsPaginator(r -> r.workGroup(group).stateFilter(wanted)).forEach(page -> sessions.addAll(page.sessions()));
        sessions.sort((a, b) -> b.status().startDateTime().compareTo(a.status().startDateTime()));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SESSION", "STATE", "STARTED", "DESCRIPTION"});
        for (SessionSummary session : sessions) {
            rows.add(new String[] {session.sessionId(), session.status().stateAsString(), time(session.status().startDateTime()),
                    text(session.description())});
        }
        print(rows);
        return 0;
    }

    private int calculations(AthenaClient athena, List<String> args) {
        if (args.size() != 1 || args.get(0).startsWith("-")) {
            throw new ClientOptions.UsageException("give one SESSION");
        }
        String sessionId = args.get(0);
        List<CalculationSummary> calculations = new ArrayList<>();
        athena.listCalculationExecutionsPaginator(r -> r.sessionId(sessionId)).forEach(page -> calculations.addAll(page.calculations()));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CALCULATION", "STATE", "SUBMITTED", "DURATION", "DESCRIPTION"});
        for (CalculationSummary calculation : calculations) {
            var status = calculation.status();
            Instant end = status.completionDateTime();
            String duration = end == null ? "-" : String.format("%.1f s", Duration.between(status.submissionDateTime(), end).toMillis() / 1000.0);
            String about = status.stateChangeReason() != null ? status.stateChangeReason() : text(calculation.description());
            rows.add(new String[] {calculation.calculationExecutionId(), status.stateAsString(), time(status.submissionDateTime()), duration, about});
        }
        print(rows);
        return 0;
    }

    private int terminate(AthenaClient athena, List<String> args) {
        if (args.size() != 1 || args.get(0).startsWith("-")) {
            throw new ClientOptions.UsageException("give one SESSION");
        }
        String state = athena.terminateSession(r -> r.sessionId(args.get(0))).stateAsString();
        out.println(args.get(0) + " " + state);
        return 0;
    }

    private static String value(List<String> args, int i) {
        if (i + 1 >= args.size()) {
            throw new ClientOptions.UsageException(args.get(i) + " needs a value");
        }
        return args.get(i + 1);
    }

    private static String time(Instant instant) {
        return instant == null ? "-" : TIME.format(instant);
    }

    /** One line, no tabs: descriptions and reasons are free text. */
    private static String text(String value) {
        return value == null || value.isBlank() ? "-" : value.replaceAll("[\\t\\r\\n]+", " ");
    }

    /** Columns padded to their widest cell and separated by two spaces; the last column is not padded. */
    private void print(List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns - 1; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(c == columns - 1 ? row[c] : String.format("%-" + widths[c] + "s  ", row[c]));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
