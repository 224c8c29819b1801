package io.noctua.engine;

import org.apache.spark.internal.config.ConfigEntry;
import org.apache.spark.sql.internal.SQLConf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * What a session's {@code SparkProperties} mean on this server. In Athena each session is a Spark
 * application of its own; here all sessions share one SparkContext, each with its own SparkSession.
 * So a property is honoured per session where Spark keeps it per SparkSession (SQL settings, catalogs),
 * and otherwise only if it asks for what the whole server already runs with; any other is refused,
 * naming the property, never ignored. In detail:
 * <ul>
 *   <li>Runtime SQL settings ({@code spark.sql.shuffle.partitions}, {@code spark.sql.session.timeZone},
 *       custom keys...) and catalogs ({@code spark.sql.catalog.NAME[.option]}) apply to the session alone.</li>
 *   <li>{@code spark.sql.extensions} is fixed when the context starts: it registers every table
 *       format's extensions ({@link #EXTENSIONS}) for all sessions, so a session may name any of those.</li>
 *   <li>Athena's Iceberg recipe, {@code catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog} with
 *       {@code io-impl=org.apache.iceberg.aws.s3.S3FileIO}, is honoured on Noctua's own catalog and
 *       store: the catalog becomes Iceberg's Hive catalog over the server's one metastore, and files go
 *       through the {@code s3://} file system, which reaches the configured S3 store. The Glue and S3
 *       client options of that recipe ({@code glue.*}, {@code s3.*}, {@code client.*}) have nothing to
 *       act on and are accepted as such.</li>
 *   <li>Context-wide settings (static SQL settings, {@code spark.executor.*}, {@code spark.driver.*},
 *       {@code spark.serializer}, {@code spark.hadoop.*}, ...) are accepted when equal to the server's
 *       value and refused otherwise.</li>
 *   <li>{@code spark.submit.pyFiles} (comma-separated {@code .py}, {@code .zip}, {@code .whl} or {@code .egg} files, each an
 *       {@code s3://} or {@code s3a://} URI or an absolute path on the server) applies to the session alone: its Python worker
 *       gets a copy of each file on its {@code sys.path} ({@link EngineSession}); other sessions cannot import them.</li>
 *   <li>{@code spark.jars} (comma-separated {@code .jar} files, each an {@code s3://} or {@code s3a://} URI or an absolute
 *       path on the server) is accepted, but a jar is added to the whole server, once, as SQL's {@code ADD JAR} adds it:
 *       Spark loads classes per application, and here every session shares one, so the jar's classes are visible to
 *       <em>every</em> session of the server from then on, until it restarts (in Athena each session is an application of
 *       its own, and sees only its own jars).</li>
 *   <li>Apache Hudi is refused: no Hudi bundle for Spark 3.5 on Scala 2.13 is published.</li>
 * </ul>
 */
public final class SessionProperties {
    private static final Logger LOG = Logger.getLogger(SessionProperties.class.getName());

    public static final String ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";
    public static final String DELTA_EXTENSIONS = "io.delta.sql.DeltaSparkSessionExtension";
    /** The SQL extensions the context registers for every session: Noctua's own, then each table format's. */
    public static final List<String> EXTENSIONS = List.of(NoctuaExtensions.class.getName(), ICEBERG_EXTENSIONS, DELTA_EXTENSIONS);

    static final String GLUE_CATALOG = "org.apache.iceberg.aws.glue.GlueCatalog";
    static final String S3_FILE_IO = "org.apache.iceberg.aws.s3.S3FileIO";
    private static final String CATALOG_PREFIX = "spark.sql.catalog.";
    private static final String EXTENSIONS_KEY = "spark.sql.extensions";
    /** Python files for the session's worker: see {@link #pyFiles}. */
    public static final String PY_FILES = "spark.submit.pyFiles";
    /** Jars for the whole server: see {@link #jars}. */
    public static final String JARS = "spark.jars";
    private static final List<String> PY_FILE_SUFFIXES = List.of(".py", ".zip", ".whl", ".egg");
    /** Options of Iceberg's GlueCatalog and S3FileIO that have no meaning on Noctua's catalog and store. */
    private static final List<String> GLUE_AND_S3_OPTIONS = List.of("glue.", "s3.", "client.", "lakeformation-enabled", "lock-impl", "lock.");
    /** Context-wide families of Spark core settings, besides those Spark has registered by name. */
    private static final List<String> CONTEXT_PREFIXES = List.of("spark.hadoop.", "spark.executor.", "spark.driver.", "spark.master",
            "spark.submit.", "spark.jars", "spark.files", "spark.archives", "spark.app.", "spark.dynamicAllocation.", "spark.serializer",
            "spark.kryo", "spark.ui.", "spark.python.", "spark.pyspark.", "spark.network.", "spark.rpc.", "spark.shuffle.", "spark.memory.",
            "spark.cores.", "spark.task.", "spark.scheduler.", "spark.speculation", "spark.local.", "spark.authenticate", "spark.io.",
            "spark.eventLog.", "spark.yarn.", "spark.kubernetes.", "spark.default.parallelism", "spark.plugins", "spark.extraListeners",
            "spark.log.", "spark.storage.", "spark.broadcast.", "spark.locality.", "spark.cleaner.", "spark.sql.hive.metastore.");

    static {
        // Spark registers its core settings as the objects declaring them load; load those here, so that
        // a session started while Spark itself is still starting is judged by the same list
        for (String holder : List.of("package$", "Python$", "UI$", "Kryo$", "Network$", "Status$", "Deploy$", "History$", "Worker$")) {
            try {
                Class.forName("org.apache.spark.internal.config." + holder, true, SessionProperties.class.getClassLoader());
            }
            catch (ClassNotFoundException | LinkageError e) {
                LOG.fine(() -> "no Spark settings in " + holder + ": " + e);
            }
        }
    }

    private final Map<String, String> server;

    /** {@code server}: the Spark properties the context was started with (Spark's defaults for the rest). */
    public SessionProperties(Map<String, String> server) {
        this.server = Map.copyOf(requireNonNull(server, "server is null"));
    }

    /** The context's value of {@code spark.sql.extensions} when the server's configuration does not set it. */
    public static String contextExtensions() {
        return String.join(",", EXTENSIONS);
    }

    /**
     * The settings to apply to a session's SparkSession for {@code given}, in order; throws
     * {@link Refused} naming the first property that cannot be honoured for this session alone.
     */
    public Map<String, String> effective(Map<String, String> given) {
        // Hudi first: its recipe also names context-wide properties (spark.serializer), and the reason
        // to give is that Hudi is missing, whichever of its properties comes first
        given.forEach((key, value) -> refuseHudi(String.valueOf(key), String.valueOf(value)));
        Set<String> glueCatalogs = new LinkedHashSet<>();
        given.forEach((key, value) -> {
            if (key != null && key.startsWith(CATALOG_PREFIX) && key.endsWith(".catalog-impl") && GLUE_CATALOG.equals(trim(value))) {
                glueCatalogs.add(key.substring(0, key.length() - ".catalog-impl".length()));
            }
        });
        Map<String, String> effective = new LinkedHashMap<>();
        List<String> inert = new ArrayList<>();
        for (Map.Entry<String, String> entry : given.entrySet()) {
            String key = entry.getKey();
            String value = entry.getValue();
            if (key == null || key.isBlank()) {
                throw new Refused(String.valueOf(key), "A Spark property name is empty.");
            }
            if (value == null) {
                throw new Refused(key, "The Spark property " + key + " has no value.");
            }
            if (key.equals(EXTENSIONS_KEY)) {
                checkExtensions(value);
            }
            else if (key.equals(PY_FILES)) {
                checkFiles(key, value, PY_FILE_SUFFIXES);
            }
            else if (key.equals(JARS)) {
                if (!sameAsServer(key, value)) {
                    checkFiles(key, value, List.of(".jar"));
                }
            }
            else if (key.startsWith(CATALOG_PREFIX)) {
                catalogProperty(key, trim(value), glueCatalogs, effective, inert);
            }
            else if (isContextWide(key)) {
                checkSameAsServer(key, value);
            }
            else {
                effective.put(key, value);
            }
        }
        if (!inert.isEmpty()) {
            LOG.fine(() -> "Glue and S3 client options with nothing to act on here: " + inert);
        }
        return effective;
    }

    /**
     * The files of {@code spark.submit.pyFiles} in {@code given}, in order: {@code s3://} or {@code s3a://} URIs, or absolute
     * paths on the server (as {@link #effective} accepted them), for the session's Python worker alone.
     */
    public List<String> pyFiles(Map<String, String> given) {
        String value = given.get(PY_FILES);
        return value == null ? List.of() : entries(value);
    }

    /**
     * The jars of {@code spark.jars} in {@code given} that the server does not already have from its own configuration:
     * {@code s3://} or {@code s3a://} URIs, or absolute paths on the server. They are added to the whole server.
     */
    public List<String> jars(Map<String, String> given) {
        String value = given.get(JARS);
        return value == null || sameAsServer(JARS, value) ? List.of() : entries(value);
    }

    private static List<String> entries(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(entry -> !entry.isEmpty()).toList();
    }

    /** Refuses, naming it, the first entry that is not an S3 URI or absolute path of a file with one of {@code suffixes}. */
    private static void checkFiles(String key, String value, List<String> suffixes) {
        for (String entry : entries(value)) {
            String lower = entry.toLowerCase(java.util.Locale.ROOT);
            boolean located = (lower.startsWith("s3://") || lower.startsWith("s3a://"))
                    ? entry.substring(entry.indexOf("://") + 3).matches("[^/]+/.*[^/]")
                    : entry.startsWith("/");
            String name = entry.substring(entry.lastIndexOf('/') + 1).toLowerCase(java.util.Locale.ROOT);
            boolean kind = suffixes.stream().anyMatch(suffix -> name.endsWith(suffix) && name.length() > suffix.length());
            if (!located || !kind) {
                String kinds = String.join(", ", suffixes.subList(0, suffixes.size() - 1)) + (suffixes.size() > 1 ? " or " : "")
                        + suffixes.get(suffixes.size() - 1);
                throw new Refused(key, "The Spark property " + key + " names " + entry + ", which is not "
                        + (located ? "a " + kinds + " file" : "an s3:// or s3a:// URI of an object (s3://bucket/key) nor an absolute path "
                        + "on the server") + ". Each comma-separated entry of " + key + " must be an s3:// or s3a:// URI, or an "
                        + "absolute path on the server, of a " + kinds + " file.");
            }
        }
    }

    private static void refuseHudi(String key, String value) {
        if (value.contains("org.apache.hudi") || value.contains("org.apache.spark.sql.hudi") || key.startsWith("hoodie.")) {
            throw new Refused(key, "Apache Hudi is not available on this server (" + key + "=" + value + "): it needs a Hudi bundle for "
                    + "Spark 3.5 on Scala 2.13, and none is published (hudi-spark3.5-bundle exists for Scala 2.12 only). "
                    + "Apache Iceberg and Delta Lake tables are available.");
        }
    }

    private void checkExtensions(String value) {
        List<String> registered = Arrays.stream(server.getOrDefault(EXTENSIONS_KEY, contextExtensions()).split(","))
                .map(String::trim).filter(name -> !name.isEmpty()).toList();
        for (String name : value.split(",")) {
            String extension = name.trim();
            if (!extension.isEmpty() && !registered.contains(extension)) {
                throw new Refused(EXTENSIONS_KEY, "The Spark property " + EXTENSIONS_KEY + " names " + extension + ", which cannot be "
                        + "loaded for one session: Noctua's sessions share one Spark application, whose SQL extensions are fixed when "
                        + "it starts. Every session has these: " + String.join(", ", registered) + ".");
            }
        }
    }

    private static void catalogProperty(String key, String value, Set<String> glueCatalogs, Map<String, String> effective, List<String> inert) {
        String rest = key.substring(CATALOG_PREFIX.length());
        int dot = rest.indexOf('.');
        String catalog = CATALOG_PREFIX + (dot < 0 ? rest : rest.substring(0, dot));
        String option = dot < 0 ? "" : rest.substring(dot + 1);
        if (option.isEmpty()) {
            requireClass(key, value);
            effective.put(key, value);
            return;
        }
        if (glueCatalogs.contains(catalog)) {
            if (option.equals("catalog-impl")) {
                // Iceberg's Hive catalog, over the metastore the whole server shares (see HiveMetastore)
                effective.put(catalog + ".type", "hive");
                return;
            }
            if (option.equals("io-impl") && value.equals(S3_FILE_IO)) {
                // the Hive catalog's own FileIO (Hadoop's), which reaches the S3 store through s3:// paths
                return;
            }
            if (GLUE_AND_S3_OPTIONS.stream().anyMatch(option::startsWith)) {
                inert.add(key);
                return;
            }
        }
        if (option.equals("catalog-impl") || option.equals("io-impl")) {
            if (value.equals(GLUE_CATALOG) || value.equals(S3_FILE_IO)) {
                throw new Refused(key, "The Spark property " + key + "=" + value + " is only honoured as part of Athena's Iceberg recipe: "
                        + catalog + ".catalog-impl=" + GLUE_CATALOG + " with " + catalog + ".io-impl=" + S3_FILE_IO + ".");
            }
            requireClass(key, value);
        }
        effective.put(key, value);
    }

    private static void requireClass(String key, String className) {
        try {
            Class.forName(className, false, SessionProperties.class.getClassLoader());
        }
        catch (ClassNotFoundException | LinkageError e) {
            throw new Refused(key, "The Spark property " + key + " names the class " + className + ", which this server does not have.");
        }
    }

    private boolean isContextWide(String key) {
        if (key.startsWith("spark.sql.")) {
            return SQLConf.isStaticConfigKey(key) || key.startsWith("spark.sql.hive.metastore.");
        }
        if (SQLConf.get().isModifiable(key)) {
            return false; // a SQL setting registered by a library, e.g. spark.databricks.delta.*
        }
        return CONTEXT_PREFIXES.stream().anyMatch(key::startsWith)
                || (key.startsWith("spark.") && ConfigEntry.findEntry(key) != null);
    }

    private boolean sameAsServer(String key, String value) {
        String current = server.get(key);
        return value.trim().equals(current == null ? null : current.trim());
    }

    private void checkSameAsServer(String key, String value) {
        String current = server.get(key);
        if (sameAsServer(key, value)) {
            return;
        }
        throw new Refused(key, "The Spark property " + key + " cannot be set for one session: Noctua's sessions share one Spark "
                + "application, where it is fixed for all of them (" + (current == null ? "Spark's default" : key + "=" + current) + "). "
                + "Start the server with --conf " + key + "=" + value + " to change it for every session.");
    }

    private static String trim(String value) {
        return value == null ? null : value.trim();
    }

    /** A property that cannot be honoured for one session; the message names it and says why. */
    public static final class Refused extends IllegalArgumentException {
        private final String property;

        Refused(String property, String message) {
            super(message);
            this.property = property;
        }

        public String property() {
            return property;
        }
    }
}
