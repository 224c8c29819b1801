package io.noctua.engine.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
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
    private static final int STDERR_LINES_KEPT = 20;

    private final Process process;
    private final ProcessTree tree;
    private final BufferedWriter requests;
    private final BufferedReader answers;
    private final boolean canImportPyspark;
    private final Deque<String> stderrTail = new ArrayDeque<>();

    private PythonWorker(Process process, ProcessTree tree, BufferedReader answers, boolean canImportPyspark) {
        this.process = process;
        this.tree = tree;
        this.requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.answers = answers;
        this.canImportPyspark = canImportPyspark;
    }

    /** Starts a worker with {@code executable} running {@code script}; waits for its ready line. */
    static PythonWorker start(String executable, Path script) {
        Process process;
        ProcessBuilder builder = new ProcessBuilder(List.of(executable, "-u", script.toString())).redirectError(ProcessBuilder.Redirect.PIPE);
        String marker = ProcessTree.mark(builder);
        try {
            process = builder.start();
        }
        catch (IOException e) {
            throw new PythonWorkerException("Python calculations need a Python 3 interpreter: '" + executable
                    + "' could not be started (" + e.getMessage() + "); set python.executable", e);
        }
        BufferedReader answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PythonWorker worker;
        try {
            String ready = answers.readLine();
            JsonNode hello = ready == null ? null : JSON.readTree(ready);
            if (hello == null || !"ready".equals(hello.path("type").asText())) {
                String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                process.destroyForcibly();
                throw new PythonWorkerException("The Python worker did not start with '" + executable + "'"
                        + (stderr.isEmpty() ? "" : ": " + lastLine(stderr)) + " (it needs Python 3.8 or later)", null);
            }
            String version = hello.path("python").asText();
            if (tooOld(version)) {
                process.destroyForcibly();
                throw new PythonWorkerException("Python calculations need Python 3.8 or later: '" + executable + "' is Python "
                        + version + "; set python.executable", null);
            }
            // read after "ready": by then the worker leads a process group of its own
            worker = new PythonWorker(process, ProcessTree.of(process.toHandle(), marker), answers, hello.path("pyspark").asBoolean(false));
        }
        catch (IOException e) {
            process.destroyForcibly();
            throw new PythonWorkerException("The Python worker did not start with '" + executable + "': " + e.getMessage(), e);
        }
        worker.drainStderr();
        return worker;
    }

    /** Worker stderr (warnings, crashes) goes to the log; its last lines explain a death. */
    private void drainStderr() {
        Thread thread = new Thread(() -> {
            try (BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = stderr.readLine()) != null) {
                    String logged = line;
                    LOG.fine(() -> "python worker " + process.pid() + ": " + logged);
                    synchronized (stderrTail) {
                        stderrTail.addLast(line);
                        if (stderrTail.size() > STDERR_LINES_KEPT) {
                            stderrTail.removeFirst();
                        }
                    }
                }
            }
            catch (IOException ignored) {
                // the process is gone
            }
        }, "python-worker-stderr-" + process.pid());
        thread.setDaemon(true);
        thread.start();
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
    public synchronized PythonOutcome execute(String id, String code, SparkBinding spark, Map<String, Object> session) {
        ObjectNode request = JSON.createObjectNode().put("type", "execute").put("id", id).put("code", code);
        request.set("session", JSON.valueToTree(session));
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
                            answer.path("stderr").asText(""), text(answer.path("result").path("text/plain")), text(answer.path("error")));
                }
            }
        }
        catch (IOException e) {
            // the pipe broke: the worker died; described below
        }
        throw new PythonWorkerException(deathReason(), null);
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
        String tail;
        synchronized (stderrTail) {
            tail = stderrTail.isEmpty() ? "" : ": " + stderrTail.getLast();
        }
        return "The session's Python worker " + how + tail;
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

    private static String lastLine(String text) {
        List<String> lines = text.lines().toList();
        return lines.isEmpty() ? text : lines.get(lines.size() - 1);
    }
}
