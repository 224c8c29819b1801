package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.Pyspark;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.SessionState;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A session's own libraries, as Athena takes them in its SparkProperties: {@code spark.submit.pyFiles} (Python
 * modules, zips and wheels from S3, for that session's Python alone) and {@code spark.jars} (for the whole server
 * here), and {@code sc.addPyFile} from a cell.
 */
class SessionLibrariesTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();
    /** Every name here is new to the JVM: the engine, its class loader and its added files are shared by all tests. */
    private final String tag = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final String prefix = "s3://noctua-results/libraries/" + tag + "/";

    private String stdout(GetCalculationExecutionResponse done) {
        return server.readResult(done.result().stdOutS3Uri());
    }

    private String startSession(Map<String, String> sparkProperties) {
        return athena.startSession(r -> r.workGroup(Athena.SPARK_WORK_GROUP)
                .engineConfiguration(e -> e.maxConcurrentDpus(2).sparkProperties(sparkProperties))).sessionId();
    }

    @Test
    void pyFilesFromS3AndTheServerAreImportedByTheirSessionOnly() throws IOException {
        TestingS3 s3 = TestingS3.shared();
        s3.put(prefix + "greet_" + tag + ".py", "def hello(name):\n    return 'hello ' + name\n");
        s3.put(prefix + "zipped_" + tag + ".zip", zip(Map.of("zipped_" + tag + "/__init__.py", "def double(x):\n    return 2 * x\n")));
        String wheel = "wheeled_" + tag + "-1.0-py3-none-any.whl";
        s3.put(prefix + wheel, wheel("wheeled_" + tag, "NAME = 'from a wheel'\n"));
        Path local = TestingServer.temporaryDirectory("noctua-pyfiles-").resolve("local_" + tag + ".py");
        Files.writeString(local, "ANSWER = 42\n");
        String pyFiles = String.join(",", prefix + "greet_" + tag + ".py", prefix.replace("s3://", "s3a://") + "zipped_" + tag + ".zip",
                " " + prefix + wheel, local.toString());

        String sessionId = Athena.startIdleSession(athena, Map.of("spark.submit.pyFiles", pyFiles));
        String imports = "import greet_" + tag + ", zipped_" + tag + ", wheeled_" + tag + ", local_" + tag + "\n"
                + "print(greet_" + tag + ".hello('ada'), zipped_" + tag + ".double(21), wheeled_" + tag + ".NAME, local_" + tag + ".ANSWER)";
        assertEquals("hello ada 42 from a wheel 42\n", stdout(server.runCompleted(sessionId, imports)));
        Path filesDir = server.dataDir().resolve("python").resolve("sessions").resolve(sessionId);
        assertTrue(Files.isRegularFile(filesDir.resolve("2").resolve(wheel)), "copied to " + filesDir);

        // another session has none of them
        String other = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse denied = Athena.run(athena, other, "import greet_" + tag);
        assertEquals(CalculationExecutionState.FAILED, denied.status().state());
        assertEquals("ModuleNotFoundError: No module named 'greet_" + tag + "'", denied.status().stateChangeReason());

        // a worker that died is replaced by one that has them too
        assertEquals(CalculationExecutionState.FAILED, Athena.run(athena, sessionId, "import os\nos._exit(7)").status().state());
        assertEquals("hello ada 42 from a wheel 42\n", stdout(server.runCompleted(sessionId, imports)));

        athena.terminateSession(r -> r.sessionId(sessionId));
        Athena.await(() -> !Files.exists(filesDir), "the session's files to be deleted", Duration.ofSeconds(30));
    }

    @Test
    void entriesThatAreNotS3OrLocalFilesOfTheRightKindAreRefusedAtStart() {
        InvalidRequestException text = assertThrows(InvalidRequestException.class,
                () -> startSession(Map.of("spark.submit.pyFiles", prefix + "ok.py," + prefix + "notes.txt")));
        assertEquals("The Spark property spark.submit.pyFiles names " + prefix + "notes.txt, which is not a .py, .zip, .whl or .egg "
                + "file. Each comma-separated entry of spark.submit.pyFiles must be an s3:// or s3a:// URI, or an absolute path on the "
                + "server, of a .py, .zip, .whl or .egg file.", text.awsErrorDetails().errorMessage());

        InvalidRequestException http = assertThrows(InvalidRequestException.class,
                () -> startSession(Map.of("spark.submit.pyFiles", "http://example.com/lib.py")));
        assertTrue(http.awsErrorDetails().errorMessage().startsWith("The Spark property spark.submit.pyFiles names http://example.com/lib.py, "
                + "which is not an s3:// or s3a:// URI of an object (s3://bucket/key) nor an absolute path on the server."),
                http.awsErrorDetails().errorMessage());

        InvalidRequestException relative = assertThrows(InvalidRequestException.class,
                () -> startSession(Map.of("spark.submit.pyFiles", "lib.zip")));
        assertTrue(relative.awsErrorDetails().errorMessage().contains("names lib.zip, which is not an s3://"),
                relative.awsErrorDetails().errorMessage());

        InvalidRequestException jar = assertThrows(InvalidRequestException.class,
                () -> startSession(Map.of("spark.jars", prefix + "udfs.zip")));
        assertTrue(jar.awsErrorDetails().errorMessage().startsWith("The Spark property spark.jars names " + prefix + "udfs.zip, which is "
                + "not a .jar file."), jar.awsErrorDetails().errorMessage());

        // other spark.jars.* and spark.submit.* settings are still the whole application's
        InvalidRequestException packages = assertThrows(InvalidRequestException.class,
                () -> startSession(Map.of("spark.jars.packages", "org.example:lib:1.0")));
        assertTrue(packages.awsErrorDetails().errorMessage().startsWith("The Spark property spark.jars.packages cannot be set for one session"),
                packages.awsErrorDetails().errorMessage());
    }

    @Test
    void aFileThatCannotBeFetchedFailsTheCalculationNamingItAndTheNextCellTriesAgain() {
        String missing = prefix + "late_" + tag + ".py";
        String sessionId = Athena.startIdleSession(athena, Map.of("spark.submit.pyFiles", missing));

        GetCalculationExecutionResponse failed = Athena.run(athena, sessionId, "print('never')");
        assertEquals(CalculationExecutionState.FAILED, failed.status().state());
        String reason = failed.status().stateChangeReason();
        assertTrue(reason.startsWith("The file " + missing + " of spark.submit.pyFiles could not be fetched: "), reason);
        assertEquals(SessionState.IDLE, athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state());
        assertTrue(stdout(server.runCompleted(sessionId, "%%sql\nSELECT 1 AS one")).contains("|  1|"), "SQL cells still run");

        TestingS3.shared().put(missing, "LATE = True\n");
        assertEquals("True\n", stdout(server.runCompleted(sessionId, "import late_" + tag + "\nprint(late_" + tag + ".LATE)")));
    }

    @Test
    void jarsAreAddedForEverySessionAndUsableFromSql() throws IOException {
        String udf = "NoctuaShout" + tag;
        String probe = "NoctuaProbe" + tag;
        String jar = prefix + "udfs-" + tag + ".jar";
        TestingS3.shared().put(jar, compiledJar(Map.of(
                udf, "public class " + udf + " extends org.apache.hadoop.hive.ql.exec.UDF {\n"
                        + "    public String evaluate(String s) { return s == null ? null : s.toUpperCase() + \"!\"; }\n}\n",
                probe, "public class " + probe + " {\n    public static String twice(String s) { return s + s; }\n}\n")));

        String sessionId = Athena.startIdleSession(athena, Map.of("spark.jars", jar));
        String shown = stdout(server.runCompleted(sessionId, "%%sql\nCREATE TEMPORARY FUNCTION shout_" + tag + " AS '" + udf + "';\n"
                + "SELECT shout_" + tag + "(concat('n', id)) AS shouted, reflect('" + probe + "', 'twice', cast(id AS string)) AS twice "
                + "FROM range(2)"));
        assertTrue(shown.contains("|    N0!|   00|") && shown.contains("|    N1!|   11|"), shown);

        // the jar is the server's now: a session that did not ask for it sees it too, and asking again adds nothing
        String other = Athena.startIdleSession(athena, Map.of("spark.jars", jar));
        String plain = Athena.startIdleSession(athena);
        assertTrue(stdout(server.runCompleted(plain, "%%sql\nSELECT reflect('" + probe + "', 'twice', 'ab') AS r")).contains("|abab|"));
        assertTrue(stdout(server.runCompleted(other, "%%sql\nSELECT reflect('" + probe + "', 'twice', 'cd') AS r")).contains("|cdcd|"));
    }

    @Test
    void aJarThatCannotBeReadFailsTheSessionStartNamingIt() {
        String missing = prefix + "missing-" + tag + ".jar";
        String sessionId = startSession(Map.of("spark.jars", missing));
        Athena.awaitSession(athena, sessionId, SessionState.FAILED);
        String reason = athena.getSessionStatus(r -> r.sessionId(sessionId)).status().stateChangeReason();
        assertTrue(reason.startsWith("The session could not start: the jar " + missing + " of spark.jars cannot be read: not found"), reason);
    }

    @Test
    void addPyFileFromACellFetchesFromS3ForTheCallingSession() throws IOException {
        String missing = Pyspark.missing();
        assumeTrue(missing == null, missing);
        String module = "added_" + tag;
        String zipped = "addedzip_" + tag;
        TestingS3.shared().put(prefix + module + ".py", "VALUE = 'module from s3'\n");
        TestingS3.shared().put(prefix + zipped + ".zip", zip(Map.of(zipped + "/__init__.py", "VALUE = 'zip from s3'\n")));
        String sessionId = Athena.startIdleSession(athena);
        assertEquals("module from s3 zip from s3\n", stdout(server.runCompleted(sessionId, "sc.addPyFile('" + prefix + module + ".py')\n"
                + "sc.addPyFile('" + prefix + zipped + ".zip')\nimport " + module + ", " + zipped + "\nprint(" + module + ".VALUE, "
                + zipped + ".VALUE)")));

        // a zip goes on the caller's sys.path alone; a .py lands in SparkFiles' root directory, which is the whole
        // context's and on the sys.path of every session bound to it (the caveat docs/python-worker.md states)
        String other = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse zipElsewhere = Athena.run(athena, other, "import " + zipped);
        assertEquals("ModuleNotFoundError: No module named '" + zipped + "'", zipElsewhere.status().stateChangeReason());
        assertEquals("module from s3\n", stdout(server.runCompleted(other, "import " + module + "\nprint(" + module + ".VALUE)")));
    }

    /** A zip holding {@code files} (name to text). */
    private static byte[] zip(Map<String, String> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> file : new java.util.TreeMap<>(files).entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A pure-Python wheel of the package {@code name} (version 1.0) whose {@code __init__.py} is {@code init}. */
    private static byte[] wheel(String name, String init) {
        String info = name + "-1.0.dist-info/";
        Map<String, String> files = new LinkedHashMap<>();
        files.put(name + "/__init__.py", init);
        files.put(info + "METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: 1.0\n");
        files.put(info + "WHEEL", "Wheel-Version: 1.0\nGenerator: noctua-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
        files.put(info + "RECORD", name + "/__init__.py,,\n" + info + "METADATA,,\n" + info + "WHEEL,,\n" + info + "RECORD,,\n");
        return zip(files);
    }

    /** A jar of {@code sources} (class name to source, default package), compiled now against hive-exec. */
    private static byte[] compiledJar(Map<String, String> sources) throws IOException {
        Path dir = TestingServer.temporaryDirectory("noctua-jar-");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        String[] arguments = new String[sources.size() + 4];
        arguments[0] = "-d";
        arguments[1] = classes.toString();
        arguments[2] = "-cp";
        arguments[3] = Path.of(locationOf(org.apache.hadoop.hive.ql.exec.UDF.class)).toString();
        int i = 4;
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = dir.resolve(source.getKey() + ".java");
            Files.writeString(file, source.getValue());
            arguments[i++] = file.toString();
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        assertEquals(0, compiler.run(null, null, errors, arguments), errors::toString);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes); Stream<Path> compiled = Files.list(classes)) {
            for (Path file : compiled.sorted().toList()) {
                jar.putNextEntry(new ZipEntry(file.getFileName().toString()));
                jar.write(Files.readAllBytes(file));
                jar.closeEntry();
            }
        }
        assertFalse(bytes.size() == 0);
        return bytes.toByteArray();
    }

    private static java.net.URI locationOf(Class<?> type) {
        try {
            return type.getProtectionDomain().getCodeSource().getLocation().toURI();
        }
        catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
