package io.noctua.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.noctua.protocol.JsonCodec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.AthenaException;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.SessionState;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * {@code noctua run}: runs a file or inline code as one Athena calculation, shows its progress while
 * it runs, then prints its stdout (on stdout), its stderr (on stderr) and its result. The exit code
 * is the final state's: 0 COMPLETED, 1 FAILED, 3 CANCELED; Ctrl-C stops the calculation first
 * (exit code 130).
 */
public final class RunCommand {
    static final int COMPLETED = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int CANCELED = 3;
    static final int UNREACHABLE = 4;

    private static final Pattern PERCENT = Pattern.compile("^(\\d{1,3})%");

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final Map<String, String> environment;
    private final boolean interactive;

    /** {@code interactive}: stderr is a terminal, so a progress line is drawn on it. */
    public RunCommand(PrintStream out, PrintStream err, InputStream in, Map<String, String> environment, boolean interactive) {
        this.out = requireNonNull(out, "out is null");
        this.err = requireNonNull(err, "err is null");
        this.in = requireNonNull(in, "in is null");
        this.environment = requireNonNull(environment, "environment is null");
        this.interactive = interactive;
    }

    static String usage() {
        return """
                Usage: noctua run [options] FILE        run the code in FILE ('-': standard input)
                       noctua run [options] -e CODE     run CODE

                Runs the code as one calculation in a new session (terminated afterwards) or in --session.
                Python unless it starts with %%sql; --sql adds that line. While it runs, a progress bar
                (from Statistics.Progress) is drawn on stderr when it is a terminal; then the calculation's
                stdout goes to stdout, its stderr and the reason it failed to stderr, and a result that
                stdout does not already show is printed after stdout; --output-dir saves rich outputs (images,
                tables, charts, HTML) as files. Ctrl-C stops the calculation.

                Exit code: 0 COMPLETED, 1 FAILED (or refused by the server), 3 CANCELED, 130 stopped by
                Ctrl-C, 2 bad usage, 4 the server could not be reached.

                Options:
                  -e CODE               the code to run, instead of FILE
                  --sql                 run the code as SQL (adds the %%sql line)
                  --session ID          run in this session (it must be IDLE) and leave it running
                  --work-group NAME     workgroup of the new session (default: spark)
                  --keep-session        leave the new session running and print its ID
                  --description TEXT    the calculation's Description
                  --output-dir DIR      save each rich output as DIR/<CalculationExecutionId>-<N>.<png|svg|csv|html|...>
                """ + ClientOptions.HELP;
    }

    public int run(String[] args) {
        ClientOptions connection = new ClientOptions(environment);
        Request request;
        try {
            request = parse(connection.parse(Arrays.asList(args)));
        }
        catch (ClientOptions.UsageException e) {
            err.println("noctua run: " + e.getMessage());
            err.print(usage());
            return USAGE;
        }
        if (request == null) {
            out.print(usage());
            return 0;
        }
        try (AthenaClient athena = connection.athena(); S3Client s3 = connection.s3()) {
            return new Run(athena, s3, request, connection).execute();
        }
        catch (AthenaException e) {
            // the server answered: an unknown session, a session that is not IDLE, a bad request...
            err.println("noctua run: " + (e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage()));
            return FAILED;
        }
        catch (SdkException e) {
            err.println("noctua run: " + e.getMessage());
            return UNREACHABLE;
        }
        catch (IllegalStateException e) {
            err.println("noctua run: " + e.getMessage());
            return FAILED;
        }
    }

    private record Request(String code, String sessionId, String workGroup, boolean keepSession, String description, Path outputDir) {
    }

    /** Null for --help. */
    private Request parse(List<String> args) {
        String code = null;
        String file = null;
        boolean sql = false;
        String sessionId = null;
        String workGroup = "spark";
        boolean keep = false;
        String description = null;
        Path outputDir = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--sql" -> sql = true;
                case "--keep-session" -> keep = true;
                case "-e", "--session", "--work-group", "--description", "--output-dir" -> {
                    if (i + 1 >= args.size()) {
                        throw new ClientOptions.UsageException(arg + " needs a value");
                    }
                    String value = args.get(++i);
                    switch (arg) {
                        case "-e" -> code = value;
                        case "--session" -> sessionId = value;
                        case "--work-group" -> workGroup = value;
                        case "--output-dir" -> outputDir = outputDir(value);
                        default -> description = value;
                    }
                }
                default -> {
                    if (arg.startsWith("-") && !arg.equals("-")) {
                        throw new ClientOptions.UsageException("unknown option '" + arg + "'");
                    }
                    if (file != null) {
                        throw new ClientOptions.UsageException("one FILE only, not '" + file + "' and '" + arg + "'");
                    }
                    file = arg;
                }
            }
        }
        if ((code == null) == (file == null)) {
            throw new ClientOptions.UsageException(code == null ? "give a FILE or -e CODE" : "give a FILE or -e CODE, not both");
        }
        if (code == null) {
            code = readCode(file);
        }
        if (sql && !code.startsWith("%%sql")) {
            code = "%%sql\n" + code;
        }
        if (code.isBlank()) {
            throw new ClientOptions.UsageException("the code is empty");
        }
        if (sessionId != null && keep) {
            throw new ClientOptions.UsageException("--keep-session is for a new session; --session is kept anyway");
        }
        return new Request(code, sessionId, workGroup, keep, description, outputDir);
    }

    private static Path outputDir(String value) {
        try {
            Path dir = Path.of(value);
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new ClientOptions.UsageException("--output-dir " + value + " is not a directory");
            }
            return dir;
        }
        catch (InvalidPathException e) {
            throw new ClientOptions.UsageException("--output-dir " + value + " is not a path: " + e.getMessage());
        }
    }

    private String readCode(String file) {
        try {
            return file.equals("-") ? new String(in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(file));
        }
        catch (IOException e) {
            throw new ClientOptions.UsageException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** One run: the session, the calculation, and Ctrl-C's stop while it lasts. */
    private final class Run {
        private final AthenaClient athena;
        private final S3Client s3;
        private final Request request;
        private final ClientOptions connection;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile String sessionId;
        private volatile String calculationId;
        private int drawn;

        Run(AthenaClient athena, S3Client s3, Request request, ClientOptions connection) {
            this.athena = athena;
            this.s3 = s3;
            this.request = request;
            this.connection = connection;
        }

        int execute() {
            Thread onInterrupt = new Thread(this::stop, "noctua-run-stop");
            Runtime.getRuntime().addShutdownHook(onInterrupt);
            try {
                sessionId = request.sessionId() != null ? request.sessionId() : startSession();
                calculationId = athena.startCalculationExecution(r -> r.sessionId(sessionId).codeBlock(request.code())
                        .description(request.description())).calculationExecutionId();
                GetCalculationExecutionResponse finished = await();
                clearProgress();
                return report(finished);
            }
            finally {
                done.set(true);
                boolean stopping = false;
                try {
                    Runtime.getRuntime().removeShutdownHook(onInterrupt);
                }
                catch (IllegalStateException shuttingDown) {
                    stopping = true; // the hook is running: it stops the calculation, then ends the session itself
                }
                if (!stopping) {
                    endSession();
                }
            }
        }

        private String startSession() {
            String id = athena.startSession(r -> r.workGroup(request.workGroup()).description("noctua run")
                    .engineConfiguration(e -> e.maxConcurrentDpus(20))).sessionId();
            sessionId = id;
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < deadline) {
                var status = athena.getSessionStatus(r -> r.sessionId(id)).status();
                if (status.state() == SessionState.IDLE) {
                    return id;
                }
                if (status.state() == SessionState.FAILED || status.state() == SessionState.TERMINATED) {
                    throw new IllegalStateException("session " + id + " is " + status.state() + ": " + status.stateChangeReason());
                }
                pause(50);
            }
            throw new IllegalStateException("session " + id + " did not become IDLE within 120 s");
        }

        private GetCalculationExecutionResponse await() {
            while (true) {
                GetCalculationExecutionResponse current = athena.getCalculationExecution(r -> r.calculationExecutionId(calculationId));
                CalculationExecutionState state = current.status().state();
                if (state == CalculationExecutionState.COMPLETED || state == CalculationExecutionState.FAILED
                        || state == CalculationExecutionState.CANCELED) {
                    return current;
                }
                drawProgress(state, current.statistics() == null ? null : current.statistics().progress());
                pause(100);
            }
        }

        private int report(GetCalculationExecutionResponse finished) {
            String stdOut = readOutput(finished.result() == null ? null : finished.result().stdOutS3Uri());
            String stdErr = readOutput(finished.result() == null ? null : finished.result().stdErrorS3Uri());
            out.print(stdOut);
            String unsaved = showOutputs(finished, stdOut);
            String result = result(finished);
            if (result != null && !result.isEmpty() && !stdOut.contains(result)) {
                out.println(result);
            }
            out.flush();
            err.print(stdErr);
            if (unsaved != null) {
                err.println("noctua run: " + unsaved + " not shown here; --output-dir DIR saves them as files");
            }
            CalculationExecutionState state = finished.status().state();
            if (state != CalculationExecutionState.COMPLETED) {
                err.println("noctua run: calculation " + calculationId + " " + state
                        + (finished.status().stateChangeReason() == null ? "" : ": " + finished.status().stateChangeReason()));
            }
            err.flush();
            return switch (state) {
                case COMPLETED -> COMPLETED;
                case FAILED -> FAILED;
                default -> CANCELED;
            };
        }

        /**
         * Displays of plain text are printed, as a terminal shows them; rich outputs are saved with
         * --output-dir (their paths on stderr). Returns what was neither shown nor saved, or null.
         */
        private String showOutputs(GetCalculationExecutionResponse finished, String stdOut) {
            JsonNode outputs = outputs(finished);
            List<String> unsaved = new ArrayList<>();
            for (int i = 0; i < outputs.size(); i++) {
                JsonNode output = outputs.get(i);
                JsonNode bundle = output.path("data");
                String text = bundle.path("text/plain").asText("");
                String richest = RichOutputFiles.richest(bundle);
                if (richest != null && request.outputDir() != null) {
                    try {
                        Path file = RichOutputFiles.save(request.outputDir(), calculationId + "-" + (i + 1), bundle, richest);
                        err.println("noctua run: output " + (i + 1) + " (" + richest + ") saved as " + file);
                    }
                    catch (IOException | RuntimeException e) {
                        err.println("noctua run: output " + (i + 1) + " (" + richest + ") could not be saved in " + request.outputDir() + ": "
                                + e.getMessage());
                    }
                }
                else if (richest != null) {
                    if (!stdOut.contains(text.strip())) { // a %%sql table's text is in stdout already
                        unsaved.add(richest);
                    }
                }
                else if (output.path("output_type").asText().equals("display_data")) {
                    out.println(text);
                }
            }
            return unsaved.isEmpty() ? null
                    : unsaved.size() + " rich output" + (unsaved.size() == 1 ? "" : "s") + " (" + String.join(", ", unsaved) + ")";
        }

        /** The calculation's outputs.json, or none (a server from before rich outputs has no such file). */
        private JsonNode outputs(GetCalculationExecutionResponse finished) {
            JsonNode none = JsonCodec.mapper().createArrayNode();
            if (finished.result() == null || finished.result().resultS3Uri() == null) {
                return none;
            }
            try {
                String json = ClientOptions.read(s3, finished.result().resultS3Uri() + "outputs.json");
                return json.isBlank() ? none : JsonCodec.mapper().readTree(json).path("outputs");
            }
            catch (SdkException | IOException e) {
                return none;
            }
        }

        /** The result document's text/plain value, if there is one. */
        private String result(GetCalculationExecutionResponse finished) {
            if (finished.result() == null || finished.result().resultS3Uri() == null) {
                return null;
            }
            String json = readOutput(finished.result().resultS3Uri() + "result.json");
            if (json.isBlank()) {
                return null;
            }
            try {
                var node = JsonCodec.mapper().readTree(json).get("text/plain");
                return node == null ? null : node.asText();
            }
            catch (IOException e) {
                return null;
            }
        }

        /** An output's text; a note on stderr (not a failure) if the store does not give it. */
        private String readOutput(String uri) {
            if (uri == null) {
                return "";
            }
            try {
                return ClientOptions.read(s3, uri);
            }
            catch (SdkException e) {
                err.println("noctua run: cannot read " + uri + " from " + connection.s3Endpoint + " (--s3-endpoint): " + e.getMessage());
                return "";
            }
        }

        /** Ctrl-C (or any signal that ends the JVM) while the calculation runs: stop it and say how it ended. */
        private void stop() {
            if (done.get()) {
                return;
            }
            clearProgress();
            String id = calculationId;
            if (id != null) {
                err.println("noctua run: stopping calculation " + id + "...");
                try {
                    athena.stopCalculationExecution(r -> r.calculationExecutionId(id));
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    CalculationExecutionState state = CalculationExecutionState.CANCELING;
                    while (System.nanoTime() < deadline && (state == CalculationExecutionState.CANCELING || state == CalculationExecutionState.RUNNING)) {
                        pause(100);
                        state = athena.getCalculationExecutionStatus(r -> r.calculationExecutionId(id)).status().state();
                    }
                    err.println("noctua run: calculation " + id + " " + state);
                }
                catch (SdkException e) {
                    err.println("noctua run: could not stop calculation " + id + ": " + e.getMessage());
                }
            }
            endSession();
            err.flush();
        }

        private synchronized void endSession() {
            String id = sessionId;
            if (id == null || request.sessionId() != null) {
                return;
            }
            sessionId = null;
            if (request.keepSession()) {
                err.println("noctua run: session " + id + " is left running (--keep-session); run more with --session " + id);
                return;
            }
            try {
                athena.terminateSession(r -> r.sessionId(id));
            }
            catch (SdkException e) {
                err.println("noctua run: could not terminate session " + id + ": " + e.getMessage());
            }
        }

        private void drawProgress(CalculationExecutionState state, String progress) {
            if (!interactive) {
                return;
            }
            int percent = 0;
            if (progress != null) {
                Matcher matcher = PERCENT.matcher(progress);
                if (matcher.find()) {
                    percent = Math.min(100, Integer.parseInt(matcher.group(1)));
                }
            }
            int width = terminalWidth();
            int barWidth = Math.max(10, Math.min(30, width / 4));
            int filled = percent * barWidth / 100;
            String line = String.format("%-9s [%s%s] %s", state, "#".repeat(filled), ".".repeat(barWidth - filled),
                    progress == null ? "" : progress);
            if (line.length() > width - 1) {
                line = line.substring(0, width - 1);
            }
            err.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
            err.flush();
            drawn = line.length();
        }

        private void clearProgress() {
            if (interactive && drawn > 0) {
                err.print("\r" + " ".repeat(drawn) + "\r");
                err.flush();
                drawn = 0;
            }
        }

        private int terminalWidth() {
            try {
                return Math.max(40, Integer.parseInt(environment.getOrDefault("COLUMNS", "80").strip()));
            }
            catch (NumberFormatException e) {
                return 80;
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
