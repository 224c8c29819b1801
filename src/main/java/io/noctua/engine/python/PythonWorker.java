package io.noctua.engine.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.engine.RichOutputs;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One Python worker process: a session's persistent namespace. {@link #execute} sends one cell and
 * blocks until its answer; {@link #interrupt} raises KeyboardInterrupt in the running cell (SIGINT);
 * {@link #kill} ends the process and every process its cells started, which makes a blocked
 * {@code execute} fail at once. The JSON-lines contract is in docs/python-worker.md.
 */
public final class PythonWorker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PythonWorker.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LaunchedProcess launched;
    private final Process process;
    private final ProcessTree tree;
    private final BufferedWriter requests;
    private final BufferedReader answers;
    private final boolean canImportPyspark;

    private PythonWorker(LaunchedProcess launched, boolean canImportPyspark) {
        this.launched = launched;
        this.process = launched.process();
        // read after "ready": by then the worker leads a process group of its own
        this.tree = ProcessTree.of(process.toHandle(), launched.marker());
        this.requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.answers = launched.stdout();
        this.canImportPyspark = canImportPyspark;
    }

    /**
     * Starts a worker with {@code executable} running {@code script}, with {@code environment} added to
     * the server's environment variables, and waits for its ready line until
     * {@code deadline}, or until {@code start} is abandoned. A worker that is not ready by then is
     * killed with everything it started, and the {@link PythonWorkerException} says so.
     */
    static PythonWorker start(String executable, Path script, Map<String, String> environment, LaunchedProcess.Deadline deadline,
            PythonWorkers.Start start) {
        LaunchedProcess launched;
        try {
            ProcessBuilder builder = new ProcessBuilder(List.of(executable, "-u", script.toString()));
            builder.environment().putAll(environment);
            launched = LaunchedProcess.launch(builder);
        }
        catch (IOException e) {
            throw new PythonWorkerException("Python calculations need a Python 3 interpreter: '" + executable
                    + "' could not be started (" + e.getMessage() + "); set python.executable", e);
        }
        String ready = launched.awaitFirstLine(deadline, start, executable);
        JsonNode hello;
        try {
            hello = ready == null ? null : JSON.readTree(ready);
        }
        catch (IOException e) {
            hello = null; // not the worker's JSON: something else answered as python.executable
        }
        if (hello == null || !"ready".equals(hello.path("type").asText())) {
            launched.kill();
            throw new PythonWorkerException("The Python worker did not start with '" + executable + "'" + launched.stderrEnding()
                    + " (it needs Python 3.8 or later)", null);
        }
        String version = hello.path("python").asText();
        if (tooOld(version)) {
            launched.kill();
            throw new PythonWorkerException("Python calculations need Python 3.8 or later: '" + executable + "' is Python "
                    + version + "; set python.executable", null);
        }
        return new PythonWorker(launched, hello.path("pyspark").asBoolean(false));
    }

    /** Whether the worker imported pyspark when it started (it says so in its ready line). */
    public boolean canImportPyspark() {
        return canImportPyspark;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Where a worker that can import pyspark finds its session's SparkSession: the Py4J gateway and the session's id. */
    public record SparkBinding(int port, String secret, String sessionId) {
    }

    /**
     * Runs one cell; {@code spark} is null for a worker without pyspark; {@code session} is what the
     * line magics show (%status, %list_sessions). Throws {@link PythonWorkerException} if the worker
     * dies meanwhile.
     */
    public PythonOutcome execute(String id, String code, SparkBinding spark, Map<String, Object> session) {
        return execute(id, code, spark, session, List.of());
    }

    /**
     * Runs one cell as {@link #execute(String, String, SparkBinding, Map)} does, with {@code pythonPath} (local files and
     * directories: the session's spark.submit.pyFiles) on the worker's {@code sys.path} first.
     */
    public synchronized PythonOutcome execute(String id, String code, SparkBinding spark, Map<String, Object> session, List<String> pythonPath) {
        ObjectNode request = JSON.createObjectNode().put("type", "execute").put("id", id).put("code", code);
        request.set("session", JSON.valueToTree(session));
        if (!pythonPath.isEmpty()) {
            request.set("pythonPath", JSON.valueToTree(pythonPath));
        }
        if (spark != null) {
            request.putObject("spark").put("port", spark.port()).put("secret", spark.secret()).put("sessionId", spark.sessionId());
        }
        try {
            requests.write(request.toString());
            requests.write('\n');
            requests.flush();
            String line;
            while ((line = answers.readLine()) != null) {
                JsonNode answer = JSON.readTree(line);
                if ("done".equals(answer.path("type").asText()) && id.equals(answer.path("id").asText())) {
                    return new PythonOutcome(answer.path("status").asText(), answer.path("stdout").asText(""),
                            answer.path("stderr").asText(""), RichOutputs.fromWorker(answer.get("result"), answer.get("outputs")),
                            text(answer.path("error")));
                }
            }
        }
        catch (IOException e) {
            // the pipe broke: the worker died; described below
        }
        throw PythonWorkerException.died(deathReason());
    }

    private String deathReason() {
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String how = process.isAlive() ? "stopped answering" : "exited with code " + process.exitValue()
                + (process.exitValue() == 137 || process.exitValue() == -9 ? " (killed: out of memory, or stopped by Noctua)" : "");
        String last = launched.lastStderrLine();
        return "The session's Python worker " + how + (last == null ? "" : ": " + last);
    }

    /** Raises KeyboardInterrupt in the running cell, as Ctrl-C in a terminal does. */
    public void interrupt() {
        if (!process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(2, TimeUnit.SECONDS);
        }
        catch (IOException e) {
            LOG.warning("cannot interrupt python worker " + process.pid() + ": " + e.getMessage());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the worker and every process its cells started (SIGKILL), whatever they do. */
    public void kill() {
        tree.kill();
    }

    /**
     * Ends the worker: at the end of its input it ends what its cells started, then itself. If it has
     * not within a second (a cell still runs), or it left anything behind, that is killed here.
     */
    @Override
    public void close() {
        try {
            requests.close();
        }
        catch (IOException ignored) {
            // already gone
        }
        try {
            process.waitFor(1, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tree.kill();
    }

    /** Whether a version such as {@code 3.7.17} is older than 3.8, the oldest Python the worker is written for. */
    static boolean tooOld(String version) {
        String[] parts = version.split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return major < 3 || (major == 3 && minor < 8);
        }
        catch (NumberFormatException e) {
            return true;
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node.asText();
    }
}
