package io.noctua.engine.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * The Python virtual environment the workers run in: made with {@code <base> -m venv} and pip on
 * first use, with a wanted list of pip requirements, and reused afterwards. {@link #ensure} builds
 * it when needed and says what it has.
 *
 * <p>The outcome of a build is recorded in {@value #RECORD} inside the environment, written last:
 * a directory without it is a build that was interrupted, and is built again; a record of another
 * wanted list means the settings changed, and the environment is built again too. Requirements pip
 * could not install are not retried at later starts (offline, each try costs time): the status says
 * how to add them. What is installed is asked of the environment's Python at every start, so a
 * package installed or removed by hand counts as it is. A file lock on {@code <dir>.lock} keeps two
 * servers on the same directory from building it at once.
 */
public final class PythonEnvironment {
    /** The record of the last build, inside the environment. */
    public static final String RECORD = "noctua-environment.json";
    /** pip's output, inside the environment, for when its last error line does not say enough. */
    static final String PIP_LOG = "noctua-pip.log";
    private static final String CONSTRAINTS = "noctua-constraints.txt";
    private static final Duration VENV_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration PIP_ALL_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration PIP_ONE_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration CHECK_TIMEOUT = Duration.ofMinutes(1);
    private static final Pattern NAME = Pattern.compile("^\\s*([A-Za-z0-9][A-Za-z0-9._-]*)");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** FileChannel.lock is held per JVM, not per thread: threads of one JVM take turns on this first. */
    private static final Map<Path, Object> LOCKS_IN_THIS_JVM = new ConcurrentHashMap<>();
    /** Asks the environment's Python its version and the installed version of each distribution named in argv. */
    private static final String CHECK = String.join("\n",
            "import json, sys",
            "from importlib import metadata",
            "versions = {}",
            "for name in sys.argv[1:]:",
            "    try:",
            "        versions[name] = metadata.version(name)",
            "    except Exception:",
            "        versions[name] = None",
            "print(json.dumps({'python': '%d.%d.%d' % sys.version_info[:3], 'versions': versions}))");

    private final Path dir;
    private final String baseExecutable;
    private final List<String> wanted;
    private final PrintStream progress;

    /**
     * An environment in {@code dir}, made by {@code baseExecutable} (a Python 3 with the venv module),
     * with the pip requirements {@code wanted}; {@code progress} gets a few lines while it is built.
     */
    public PythonEnvironment(Path dir, String baseExecutable, List<String> wanted, PrintStream progress) {
        this.dir = requireNonNull(dir, "dir is null").toAbsolutePath().normalize();
        this.baseExecutable = requireNonNull(baseExecutable, "baseExecutable is null");
        this.wanted = List.copyOf(wanted);
        this.progress = requireNonNull(progress, "progress is null");
        for (String requirement : this.wanted) {
            distribution(requirement); // fails early on a requirement without a name
        }
    }

    public Path directory() {
        return dir;
    }

    /** The environment's interpreter. */
    public Path python() {
        return dir.resolve("bin").resolve("python");
    }

    /** The distribution a requirement names: {@code pandas} for {@code pandas<3}, {@code boto3} for {@code boto3[crt]}. */
    public static String distribution(String requirement) {
        Matcher matcher = NAME.matcher(requirement);
        if (!matcher.find()) {
            throw new IllegalArgumentException("not a pip requirement: '" + requirement + "'");
        }
        return matcher.group(1);
    }

    /**
     * Builds the environment unless one with the same wanted list was built before, then asks it what
     * is installed. Never throws for what can go wrong outside (no Python, no venv module, pip
     * failing): the status's {@link Status#problem} says it.
     */
    public Status ensure() {
        Object monitor = LOCKS_IN_THIS_JVM.computeIfAbsent(dir, key -> new Object());
        synchronized (monitor) {
            Path lockFile = dir.resolveSibling(dir.getFileName() + ".lock");
            try {
                Files.createDirectories(dir.getParent());
                try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock ignored = channel.lock()) {
                    return ensureLocked();
                }
            }
            catch (IOException e) {
                return Status.failed(dir, python(), "cannot prepare " + dir + ": " + e.getMessage());
            }
            catch (BuildFailure e) {
                return Status.failed(dir, python(), e.getMessage());
            }
        }
    }

    private Status ensureLocked() throws IOException {
        Optional<Record> record = readRecord();
        boolean reused = record.isPresent() && record.get().wanted().equals(wanted);
        if (!reused) {
            if (Files.exists(dir)) {
                removeOldEnvironment(record.isPresent());
            }
            record = Optional.of(build());
        }
        Check check = check();
        List<PackageState> packages = new ArrayList<>();
        for (String requirement : wanted) {
            String name = distribution(requirement);
            String version = check.versions().get(name);
            String reason = null;
            if (version == null) {
                Record.Outcome built = record.get().outcomes().get(requirement);
                reason = built == null || built.reason() == null ? "removed from the environment after it was built" : built.reason();
            }
            packages.add(new PackageState(requirement, name, version, reason));
        }
        return new Status(dir, python(), check.python(), packages, record.get().builtAt(), reused, null);
    }

    /** A directory without a record, or with one of other wanted packages: removed, if it is an environment. */
    private void removeOldEnvironment(boolean recorded) throws IOException {
        boolean empty;
        try (Stream<Path> entries = Files.list(dir)) {
            empty = entries.findAny().isEmpty();
        }
        if (!recorded && !empty && !Files.exists(dir.resolve("pyvenv.cfg"))) {
            // never delete what is not ours: python.environment may name a directory with other things in it
            throw new BuildFailure(dir + " exists and is not a Python environment (it has no pyvenv.cfg): set python.environment"
                    + " to another directory, or empty this one");
        }
        progress.println("noctua: " + (recorded ? "the wanted Python packages changed (python.packages): rebuilding " + dir
                : "removing an unfinished Python environment in " + dir));
        try (Stream<Path> paths = Files.walk(dir)) { // does not follow links: bin/python stays a link, its target untouched
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private Record build() throws IOException {
        long begin = System.nanoTime();
        progress.println("noctua: building the Python environment in " + dir + " (first start: pip installs " + wanted.size()
                + " packages, a minute or two)...");
        makeVenv();
        Map<String, Record.Outcome> outcomes = new HashMap<>();
        List<String> left = new ArrayList<>(wanted);
        if (!left.isEmpty()) {
            Run all = pip(PIP_ALL_TIMEOUT, left, null);
            // a requirement the index does not serve is left out and the others installed together again: one pip run
            // instead of one per requirement (47 s against 63 s for the defaults here, where pyspark is not served)
            String unserved;
            while (all.exitCode() != 0 && (unserved = unserved(all, left)) != null) {
                progress.println("noctua:   " + unserved + ": " + all.lastError());
                outcomes.put(unserved, new Record.Outcome(all.lastError()));
                left.remove(unserved);
                if (left.isEmpty()) {
                    break;
                }
                progress.println("noctua: installing the other " + left.size() + " without it");
                all = pip(PIP_ALL_TIMEOUT, left, null);
            }
            if (all.exitCode() == 0) {
                for (String requirement : left) {
                    outcomes.put(requirement, Record.Outcome.INSTALLED);
                    if (left.size() < wanted.size()) { // after a retry, the list says which went in
                        progress.println("noctua:   " + requirement + " installed");
                    }
                }
            }
            else if (!left.isEmpty()) {
                checkPipRuns(all);
                progress.println("noctua: pip could not install them all (" + all.lastError() + "); installing one at a time");
                for (String requirement : left) {
                    // on its own, each must still honour the others' pins (pandas<3 must not bring numpy 2); not its
                    // own pin: pip reports a constraint it cannot meet as a conflict rather than as what it is
                    Path constraints = dir.resolve(CONSTRAINTS);
                    Files.write(constraints, wanted.stream().filter(PythonEnvironment::isPin)
                            .filter(other -> !distribution(other).equalsIgnoreCase(distribution(requirement))).toList(), StandardCharsets.UTF_8);
                    Run one = pip(PIP_ONE_TIMEOUT, List.of(requirement), constraints);
                    progress.println("noctua:   " + requirement + (one.exitCode() == 0 ? " installed" : ": " + one.lastError()));
                    outcomes.put(requirement, one.exitCode() == 0 ? Record.Outcome.INSTALLED : new Record.Outcome(one.lastError()));
                }
            }
        }
        Map<String, Record.Outcome> inOrder = new LinkedHashMap<>();
        wanted.forEach(requirement -> inOrder.put(requirement, outcomes.get(requirement)));
        Record record = new Record(wanted, Instant.now(), inOrder);
        writeRecord(record);
        long failed = inOrder.values().stream().filter(outcome -> outcome.reason() != null).count();
        progress.println("noctua: the Python environment is ready (" + (System.nanoTime() - begin) / 1_000_000_000 + " s"
                + (failed == 0 ? "" : "; " + failed + " of " + wanted.size() + " packages could not be installed") + ")");
        return record;
    }

    private void makeVenv() {
        Run venv;
        try {
            venv = run(List.of(baseExecutable, "-m", "venv", dir.toString()), VENV_TIMEOUT, null);
        }
        catch (IOException e) {
            throw new BuildFailure("python.base-executable '" + baseExecutable + "' could not be started (" + e.getMessage()
                    + "): install Python 3, or set python.base-executable to one, or python.executable to a Python to use as it is");
        }
        if (venv.exitCode() != 0 || !Files.isExecutable(python())) {
            String said = venv.lastLine();
            boolean noVenvModule = venv.output().contains("No module named venv") || venv.output().contains("ensurepip");
            throw new BuildFailure("'" + baseExecutable + " -m venv " + dir + "' failed" + (said.isEmpty() ? "" : " (" + said + ")")
                    + (noVenvModule ? ": this Python lacks its venv module (on Debian and Ubuntu: apt-get install python3-venv)" : "")
                    + "; or set python.executable to a Python to use as it is");
        }
    }

    /**
     * The requirement of {@code requirements} that pip's failed run says the index has no distribution for, or null if
     * it failed for another reason (a conflict between them, a build error, the network).
     */
    private static String unserved(Run failed, List<String> requirements) {
        String error = failed.lastError();
        String prefix = "No matching distribution found for ";
        if (!error.startsWith(prefix)) {
            return null;
        }
        String name = distribution(error.substring(prefix.length()));
        return requirements.stream().filter(requirement -> distribution(requirement).equalsIgnoreCase(name)).findFirst().orElse(null);
    }

    /** After pip failed on the whole list: does pip run at all here? If not, that is the problem, not the packages. */
    private void checkPipRuns(Run failed) throws IOException {
        Run version = run(List.of(python().toString(), "-m", "pip", "--version"), CHECK_TIMEOUT, null);
        if (version.exitCode() != 0) {
            throw new BuildFailure("pip does not run in " + dir + " (" + version.lastLine() + "; installing said: " + failed.lastError()
                    + "); the environment is built again at the next start, or set python.executable to a Python to use as it is");
        }
    }

    private Run pip(Duration timeout, List<String> requirements, Path constraints) throws IOException {
        List<String> command = new ArrayList<>(List.of(python().toString(), "-m", "pip", "install", "--retries", "0",
                "--progress-bar", "off", "--disable-pip-version-check", "--no-input"));
        if (constraints != null) {
            command.addAll(List.of("-c", constraints.toString()));
        }
        command.addAll(requirements);
        return run(command, timeout, dir.resolve(PIP_LOG));
    }

    private Check check() throws IOException {
        List<String> command = new ArrayList<>(List.of(python().toString(), "-c", CHECK));
        wanted.stream().map(PythonEnvironment::distribution).forEach(command::add);
        Run run = run(command, CHECK_TIMEOUT, null);
        String line = run.output().lines().filter(text -> text.startsWith("{")).reduce((first, second) -> second).orElse(null);
        if (run.exitCode() != 0 || line == null) {
            throw new BuildFailure("the environment's Python " + python() + " does not run (" + run.lastLine()
                    + "); remove " + dir + " to have it built again at the next start, or set python.executable");
        }
        JsonNode answer = JSON.readTree(line);
        Map<String, String> versions = new LinkedHashMap<>();
        answer.path("versions").fields().forEachRemaining(entry ->
                versions.put(entry.getKey(), entry.getValue().isNull() ? null : entry.getValue().asText()));
        return new Check(answer.path("python").asText(), versions);
    }

    private record Check(String python, Map<String, String> versions) {
    }

    /** A requirement with a version that can serve as a pip constraint (no extras, markers or URLs). */
    private static boolean isPin(String requirement) {
        return requirement.matches(".*[<>=!~].*") && !requirement.contains("[") && !requirement.contains(";") && !requirement.contains("@");
    }

    /** A finished command: its exit code and its output (stdout and stderr together). */
    private record Run(int exitCode, String output) {
        String lastLine() {
            return output.lines().filter(line -> !line.isBlank()).reduce((first, second) -> second).orElse("").strip();
        }

        /** pip's last ERROR line, without the prefix; else its last line. */
        String lastError() {
            return output.lines().filter(line -> line.startsWith("ERROR: ")).reduce((first, second) -> second)
                    .map(line -> line.substring("ERROR: ".length()).strip()).orElseGet(this::lastLine);
        }
    }

    /** Runs {@code command} until it ends or {@code timeout} passes (then it is killed); its output also goes to {@code log}. */
    private static Run run(List<String> command, Duration timeout, Path log) throws IOException {
        Path output = Files.createTempFile("noctua-python-env-", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            boolean ended;
            try {
                ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            catch (InterruptedException e) {
                kill(process);
                Thread.currentThread().interrupt();
                throw new BuildFailure("building the Python environment was interrupted");
            }
            if (!ended) {
                kill(process);
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (log != null) {
                Files.writeString(log, "$ " + String.join(" ", command) + "\n" + text, StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            if (!ended) {
                return new Run(-1, text + "\nERROR: " + command.get(0) + " did not finish within " + timeout.toMinutes() + " minutes\n");
            }
            return new Run(process.exitValue(), text);
        }
        finally {
            Files.deleteIfExists(output);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private Optional<Record> readRecord() {
        Path file = dir.resolve(RECORD);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            List<String> recordedWanted = new ArrayList<>();
            root.path("wanted").forEach(item -> recordedWanted.add(item.asText()));
            Map<String, Record.Outcome> outcomes = new LinkedHashMap<>();
            root.path("packages").fields().forEachRemaining(entry -> outcomes.put(entry.getKey(),
                    new Record.Outcome(entry.getValue().hasNonNull("missing") ? entry.getValue().get("missing").asText() : null)));
            return Optional.of(new Record(recordedWanted, Instant.parse(root.path("builtAt").asText()), outcomes));
        }
        catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable: built again, as if interrupted
        }
    }

    /** Written to a file of its own, then moved into place: a record is there whole or not at all. */
    private void writeRecord(Record record) throws IOException {
        Check check = check();
        ObjectNode root = JSON.createObjectNode();
        record.wanted().forEach(root.putArray("wanted")::add);
        root.put("python", check.python());
        root.put("builtAt", record.builtAt().toString());
        ObjectNode packages = root.putObject("packages");
        record.outcomes().forEach((requirement, outcome) -> {
            ObjectNode item = packages.putObject(requirement);
            String version = check.versions().get(distribution(requirement));
            if (outcome.reason() == null && version != null) {
                item.put("version", version);
            }
            else {
                item.put("missing", outcome.reason() == null ? "pip installed it, but Python does not find it" : outcome.reason());
            }
        });
        Path partial = dir.resolve(RECORD + ".partial");
        Files.writeString(partial, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
        Files.move(partial, dir.resolve(RECORD), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** What a build recorded: the wanted list, when, and per requirement null (installed) or why pip could not install it. */
    private record Record(List<String> wanted, Instant builtAt, Map<String, Outcome> outcomes) {
        record Outcome(String reason) {
            static final Outcome INSTALLED = new Outcome(null);
        }
    }

    /** A problem that leaves no usable environment: its message is the whole explanation. */
    private static final class BuildFailure extends RuntimeException {
        BuildFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** A wanted requirement: the version installed, or null and why not. */
    public record PackageState(String requirement, String name, String version, String reason) {
        public PackageState {
            requireNonNull(requirement, "requirement is null");
            requireNonNull(name, "name is null");
        }

        public boolean installed() {
            return version != null;
        }
    }

    /**
     * What {@link #ensure} found: the interpreter and the packages, or a {@code problem} that leaves no
     * usable environment (then Python calculations fail with it).
     */
    public record Status(Path directory, Path python, String pythonVersion, List<PackageState> packages, Instant builtAt,
            boolean reused, String problem) {
        public Status {
            requireNonNull(directory, "directory is null");
            requireNonNull(python, "python is null");
            packages = List.copyOf(packages);
        }

        static Status failed(Path directory, Path python, String problem) {
            return new Status(directory, python, null, List.of(), null, false, requireNonNull(problem, "problem is null"));
        }

        public boolean usable() {
            return problem == null;
        }

        public List<PackageState> missing() {
            return packages.stream().filter(state -> !state.installed()).toList();
        }

        public Optional<PackageState> pyspark() {
            return packages.stream().filter(state -> state.name().equalsIgnoreCase("pyspark")).findFirst();
        }

        /** The pip that adds to this environment. */
        public Path pip() {
            return directory.resolve("bin").resolve("pip");
        }

        /**
         * Why Python calculations have no {@code spark}, as the end of the worker's NameError (it starts
         * with " ("), or null when pyspark is installed or the environment is not usable.
         */
        public String sparkHint() {
            if (!usable()) {
                return null;
            }
            Optional<PackageState> pyspark = pyspark();
            if (pyspark.isEmpty()) {
                return " (Noctua binds 'spark' and 'sc' when its Python environment has pyspark, which python.packages does not list:"
                        + " add pyspark==<the server's Spark version> to it, or run '" + pip() + " install pyspark==3.5.*', and restart the server)";
            }
            if (pyspark.get().installed()) {
                return null;
            }
            return " (Noctua binds 'spark' and 'sc' to the session's SparkSession through pyspark, which " + pysparkMissing(pyspark.get()) + ")";
        }

        private String pysparkMissing(PackageState pyspark) {
            return "could not be installed (" + pyspark.reason() + "): add it with '" + pip() + " install "
                    + pyspark.requirement() + "' (or set python.executable to a Python that has it) and restart";
        }

        /** The banner's text after "python": the interpreter and its packages, or what is missing and how to add it. */
        public String describe() {
            if (!usable()) {
                return "unavailable: " + problem + ". Python calculations fail until this is fixed (%%sql cells run)";
            }
            StringBuilder text = new StringBuilder(python + " (Python " + pythonVersion + ", built " + builtAt.truncatedTo(ChronoUnit.SECONDS) + ")");
            List<PackageState> installed = packages.stream().filter(PackageState::installed).toList();
            if (!installed.isEmpty()) {
                text.append("\nwith ").append(String.join(", ", installed.stream().map(state -> state.name() + " " + state.version()).toList()));
            }
            pyspark().filter(state -> !state.installed()).ifPresent(state -> text.append("\n")
                    .append(state.name()).append(" ").append(version(state.requirement())).append(" ").append(pysparkMissing(state))
                    .append("; until then Python calculations have no 'spark'"));
            List<PackageState> others = missing().stream().filter(state -> !state.name().equalsIgnoreCase("pyspark")).toList();
            if (!others.isEmpty()) {
                text.append("\nnot installed: ").append(String.join(", ", others.stream()
                        .map(state -> state.requirement() + " (" + state.reason() + ")").toList()));
                text.append("; add ").append(others.size() == 1 ? "it" : "them").append(" with: ").append(pip()).append(" install ")
                        .append(String.join(" ", others.stream().map(state -> shellWord(state.requirement())).toList()))
                        .append(", and restart");
            }
            return text.toString();
        }

        /** {@code pandas<3} as a shell takes it: {@code "pandas<3"}. */
        private static String shellWord(String requirement) {
            return requirement.matches("[A-Za-z0-9._=-]+") ? requirement : "\"" + requirement + "\"";
        }

        private static String version(String requirement) {
            String rest = requirement.substring(distribution(requirement).length()).strip();
            return rest.startsWith("==") ? rest.substring(2) : rest;
        }
    }
}
