package io.noctua.config;

import io.noctua.engine.MetastoreDatabase;
import io.noctua.results.S3Settings;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Every setting of the server, read from dotted keys (command-line flags, {@code --conf key=value},
 * or {@code noctua.properties} in the data directory). {@link #DEFAULTS} documents each key; keys
 * starting with {@code spark.} go to Spark as they are.
 */
public record NoctuaConfig(
        String httpHost,
        int httpPort,
        int httpThreads,
        int httpMaxRequestBytes,
        Duration httpIdleTimeout,
        List<String> httpAllowedHosts,
        boolean httpAllowUnauthenticatedNetwork,
        Map<String, String> authKeys,
        Path dataDir,
        String storeUrl,
        String storeUser,
        String storePassword,
        String defaultOutputLocation,
        String sparkWorkGroup,
        int sessionDefaultIdleTimeoutMinutes,
        Duration sessionMinute,
        Duration sessionIdleCheckInterval,
        int sessionMaxActive,
        int sessionMaxActivePerWorkGroup,
        int sessionMaxConcurrentDpus,
        Duration calculationStopGrace,
        Duration notebookUrlLifetime,
        int queryMaxRunning,
        String pythonExecutable,
        Path pythonEnvironment,
        List<String> pythonPackages,
        String pythonBaseExecutable,
        int pythonWarmWorkers,
        Duration pythonStartTimeout,
        boolean s3Embedded,
        Path s3Dir,
        int s3Port,
        Optional<URI> s3Endpoint,
        String s3Region,
        String s3PathStyle,
        String s3AccessKeyId,
        String s3SecretAccessKey,
        String catalog,
        String metastoreUrl,
        String metastoreUser,
        String metastorePassword,
        Duration clusterLeaseDuration,
        String clusterAdvertisedEndpoint,
        Map<String, String> spark) {

    public static final String EMBEDDED_ACCESS_KEY_ID = "noctua";
    public static final String EMBEDDED_SECRET_ACCESS_KEY = "noctua-secret-key";

    /**
     * Athena's preinstalled libraries, with pyspark of the server's own version. pyspark 3.5 needs
     * numpy 1 (it uses names numpy 2 removed) and pandas 2 (pandas 3 changed what it relies on).
     */
    static final String DEFAULT_PYTHON_PACKAGES =
            "pyspark==${spark-version},pandas<3,numpy<2,pyarrow,matplotlib,seaborn,plotly,scipy,ipython,boto3";

    /** Each key with its default and meaning; {@code ${data-dir}} stands for the data directory. */
    public static final Map<String, String[]> DEFAULTS = defaults();

    private static Map<String, String[]> defaults() {
        Map<String, String[]> d = new LinkedHashMap<>();
        d.put("http.host", new String[] {"127.0.0.1", "address to listen on; a calculation is arbitrary code, so loopback unless you mean it"});
        d.put("http.port", new String[] {"8420", "port to listen on; 0 picks a free one"});
        d.put("http.threads", new String[] {"32", "threads serving HTTP requests"});
        d.put("http.max-request-bytes", new String[] {"1048576", "largest request body accepted; larger ones get HTTP 413"});
        d.put("http.idle-timeout", new String[] {"30s", "a connection that sends nothing for this long (in its headers, its body or between requests) is closed"});
        d.put("http.allowed-hosts", new String[] {"", "host names clients use to reach the server, comma-separated, besides loopback names and http.host; * allows any"});
        d.put("http.allow-unauthenticated-network", new String[] {"false", "true: serve on a non-loopback http.host without auth.* keys (anyone who reaches the port can run code)"});
        d.put("auth.access-key-id", new String[] {"", "when set (with auth.secret-access-key), every API call must be signed (AWS SigV4) with this key"});
        d.put("auth.secret-access-key", new String[] {"", "the secret key of auth.access-key-id"});
        d.put("auth.extra-keys", new String[] {"", "more keys that may sign calls: ACCESS_KEY_ID:SECRET pairs, comma-separated"});
        d.put("data-dir", new String[] {"noctua-data", "where the store, the S3 objects, the catalog and Spark's warehouse live"});
        d.put("store.url", new String[] {"jdbc:sqlite:${data-dir}/noctua.db", "JDBC URL of the store: jdbc:sqlite:FILE, or jdbc:postgresql://HOST:PORT/DATABASE (an empty database, or one Noctua made)"});
        d.put("store.user", new String[] {"", "user name for a PostgreSQL store (may also be given in store.url as ?user=)"});
        d.put("store.password", new String[] {"", "password for a PostgreSQL store (may also be given in store.url as &password=); never shown in messages"});
        d.put("results.default-output-location", new String[] {"s3://noctua-results/", "OutputLocation of the ready Spark workgroup"});
        d.put("workgroup.spark", new String[] {"spark", "name of the Spark workgroup created on first start"});
        d.put("session.default-idle-timeout-minutes", new String[] {"20", "SessionIdleTimeoutInMinutes when StartSession gives none"});
        d.put("session.minute", new String[] {"60s", "length of one minute of idle timeout (shorten only for tests)"});
        d.put("session.idle-check-interval", new String[] {"5s", "how often idle sessions are looked for"});
        d.put("session.max-active", new String[] {"50", "sessions that may be active (not ended) on this server at once; StartSession past it is refused"});
        d.put("session.max-active-per-workgroup", new String[] {"50", "sessions that may be active in one workgroup at once"});
        d.put("session.max-concurrent-dpus", new String[] {"1000", "the sum of the MaxConcurrentDpus of the active sessions may not exceed this"});
        d.put("calculation.stop-grace", new String[] {"2s", "after cancelling its Spark jobs, how long a stopped calculation may take before its thread is interrupted"});
        d.put("notebook.url-lifetime", new String[] {"10m", "how long the token of a CreatePresignedNotebookUrl URL opens its notebook (Athena: 10 minutes)"});
        d.put("query.max-running", new String[] {"4", "SQL queries that run at once; more wait in the QUEUED state, first come first served"});
        d.put("python.executable", new String[] {"", "the Python 3 (3.8 or later) that runs Python calculations, used as it is; empty: the environment Noctua builds in python.environment"});
        d.put("python.environment", new String[] {"", "where Noctua builds the Python environment (a venv with python.packages) when python.executable is empty; empty: ${data-dir}/python-env"});
        d.put("python.packages", new String[] {DEFAULT_PYTHON_PACKAGES, "pip requirements of that environment, comma-separated; ${spark-version} is the server's Spark version; a change rebuilds the environment at the next start"});
        d.put("python.base-executable", new String[] {"python3", "the Python 3 (with its venv module) that creates that environment"});
        d.put("python.warm-workers", new String[] {"2", "Python workers kept started ahead of need"});
        d.put("python.start-timeout", new String[] {"60s", "a Python worker not ready this long after its start (a hung interpreter) is killed, and the calculation waiting for it fails"});
        d.put("s3.embedded", new String[] {"true", "run the embedded S3 store (s3proxy over s3.dir, on http.host, SigV4 checked); false: use s3.endpoint or AWS S3"});
        d.put("s3.dir", new String[] {"${data-dir}/s3", "where the embedded S3 store keeps s3://bucket/key, as the file bucket/key"});
        d.put("s3.port", new String[] {"8421", "port of the embedded S3 store; 0 picks a free one"});
        d.put("s3.endpoint", new String[] {"", "URL of the S3-compatible store (MinIO, s3proxy...) when s3.embedded=false; empty: AWS S3 in s3.region"});
        d.put("s3.region", new String[] {"us-east-1", "region used to sign S3 requests"});
        d.put("s3.path-style", new String[] {"auto", "bucket in the path rather than the host name: true, false, or auto (true except for AWS S3)"});
        d.put("s3.access-key-id", new String[] {"", "S3 access key; empty: " + EMBEDDED_ACCESS_KEY_ID + " for the embedded store, else the AWS default credential chain"});
        d.put("s3.secret-access-key", new String[] {"", "S3 secret key; empty: " + EMBEDDED_SECRET_ACCESS_KEY + " for the embedded store, else the AWS default credential chain"});
        d.put("catalog", new String[] {"hive", "hive: databases and tables persist (Hive metastore on embedded Derby in ${data-dir}/metastore, or on metastore.url); in-memory: lost at restart"});
        d.put("metastore.url", new String[] {"", "JDBC URL of a PostgreSQL database for the Hive metastore (jdbc:postgresql://HOST:PORT/DATABASE, empty or one a metastore made; not the store's), which several servers can share; empty: embedded Derby in ${data-dir}/metastore"});
        d.put("metastore.user", new String[] {"", "user name for the metastore.url database"});
        d.put("metastore.password", new String[] {"", "password for the metastore.url database; never shown in messages"});
        d.put("cluster.lease-duration", new String[] {"10s", "servers sharing a store each renew a lease this long; the work of a server whose lease expires is ended by the others"});
        d.put("cluster.advertised-endpoint", new String[] {"", "the URL other servers on the same store reach this one at, e.g. http://10.0.0.5:8420; empty: http://${http.host}:${http.port} (this machine's name when http.host is a wildcard)"});
        d.put("spark.master", new String[] {"local[*]", "Spark master URL"});
        d.put("spark.ui.enabled", new String[] {"true", "Spark's web UI, on http.host and only while Noctua serves: GetResourceDashboard gives a running session's URL; false: the dashboard is Noctua's console page alone"});
        d.put("spark.ui.port", new String[] {"0", "port of Spark's web UI; 0 picks a free one (Spark's own default, 4040, would clash between servers)"});
        d.put("spark.sql.warehouse.dir", new String[] {"${data-dir}/warehouse", "where managed tables are written"});
        return Map.copyOf(d);
    }

    public NoctuaConfig {
        requireNonNull(httpHost, "httpHost is null");
        requireNonNull(dataDir, "dataDir is null");
        requireNonNull(storeUrl, "storeUrl is null");
        requireNonNull(storeUser, "storeUser is null");
        requireNonNull(storePassword, "storePassword is null");
        requireNonNull(metastoreUrl, "metastoreUrl is null");
        requireNonNull(metastoreUser, "metastoreUser is null");
        requireNonNull(metastorePassword, "metastorePassword is null");
        requireNonNull(s3Dir, "s3Dir is null");
        requireNonNull(s3Endpoint, "s3Endpoint is null");
        requireNonNull(s3Region, "s3Region is null");
        requireNonNull(defaultOutputLocation, "defaultOutputLocation is null");
        requireNonNull(sparkWorkGroup, "sparkWorkGroup is null");
        requireNonNull(sessionMinute, "sessionMinute is null");
        requireNonNull(sessionIdleCheckInterval, "sessionIdleCheckInterval is null");
        requireNonNull(calculationStopGrace, "calculationStopGrace is null");
        requireNonNull(notebookUrlLifetime, "notebookUrlLifetime is null");
        requireNonNull(pythonExecutable, "pythonExecutable is null");
        requireNonNull(pythonStartTimeout, "pythonStartTimeout is null");
        requireNonNull(pythonEnvironment, "pythonEnvironment is null");
        requireNonNull(pythonBaseExecutable, "pythonBaseExecutable is null");
        pythonPackages = List.copyOf(pythonPackages);
        requireNonNull(httpIdleTimeout, "httpIdleTimeout is null");
        requireNonNull(clusterLeaseDuration, "clusterLeaseDuration is null");
        requireNonNull(clusterAdvertisedEndpoint, "clusterAdvertisedEndpoint is null");
        httpAllowedHosts = List.copyOf(httpAllowedHosts);
        authKeys = Map.copyOf(authKeys);
        spark = Map.copyOf(spark);
    }

    /** Reads a configuration from {@code settings}; keys not given take their defaults. */
    public static NoctuaConfig from(Map<String, String> settings) {
        Map<String, String> values = new TreeMap<>();
        DEFAULTS.forEach((key, value) -> values.put(key, value[0]));
        values.putAll(settings);
        for (String key : settings.keySet()) {
            if (!DEFAULTS.containsKey(key) && !key.startsWith("spark.")) {
                throw new ConfigException("unknown setting '" + key + "'; known settings: " + String.join(", ", new TreeMap<>(DEFAULTS).keySet()));
            }
        }
        String dataDir = values.get("data-dir");
        values.replaceAll((key, value) -> value.replace("${data-dir}", dataDir));
        values.put("python.packages", values.get("python.packages").replace("${spark-version}", sparkVersion()));
        Map<String, String> spark = new TreeMap<>();
        values.forEach((key, value) -> {
            if (key.startsWith("spark.")) {
                spark.put(key, value);
            }
        });
        boolean embedded = bool(values, "s3.embedded");
        Optional<URI> endpoint = endpoint(values, embedded);
        String accessKeyId = values.get("s3.access-key-id").strip();
        String secretAccessKey = values.get("s3.secret-access-key").strip();
        if (accessKeyId.isEmpty() != secretAccessKey.isEmpty()) {
            throw new ConfigException("set both s3.access-key-id and s3.secret-access-key, or neither");
        }
        String catalog = oneOf(values, "catalog", "hive", "in-memory");
        String metastoreUrl = metastoreUrl(values, catalog);
        return new NoctuaConfig(
                values.get("http.host"),
                integer(values, "http.port", 0, 65535),
                integer(values, "http.threads", 1, 1024),
                integer(values, "http.max-request-bytes", 1024, Integer.MAX_VALUE - 1),
                duration(values, "http.idle-timeout"),
                list(values, "http.allowed-hosts"),
                bool(values, "http.allow-unauthenticated-network"),
                authKeys(values),
                Path.of(dataDir),
                values.get("store.url").strip(),
                values.get("store.user").strip(),
                values.get("store.password"),
                values.get("results.default-output-location"),
                values.get("workgroup.spark"),
                integer(values, "session.default-idle-timeout-minutes", 1, 480),
                duration(values, "session.minute"),
                duration(values, "session.idle-check-interval"),
                integer(values, "session.max-active", 1, 100_000),
                integer(values, "session.max-active-per-workgroup", 1, 100_000),
                integer(values, "session.max-concurrent-dpus", 2, 10_000_000),
                duration(values, "calculation.stop-grace"),
                positive(duration(values, "notebook.url-lifetime"), "notebook.url-lifetime"),
                integer(values, "query.max-running", 1, 1024),
                values.get("python.executable").strip(),
                values.get("python.environment").isBlank() ? Path.of(dataDir, "python-env") : Path.of(values.get("python.environment").strip()),
                list(values, "python.packages"),
                nonEmpty(values, "python.base-executable"),
                integer(values, "python.warm-workers", 0, 64),
                positive(duration(values, "python.start-timeout"), "python.start-timeout"),
                embedded,
                Path.of(values.get("s3.dir")),
                integer(values, "s3.port", 0, 65535),
                endpoint,
                values.get("s3.region").strip(),
                oneOf(values, "s3.path-style", "auto", "true", "false"),
                accessKeyId.isEmpty() && embedded ? EMBEDDED_ACCESS_KEY_ID : accessKeyId,
                secretAccessKey.isEmpty() && embedded ? EMBEDDED_SECRET_ACCESS_KEY : secretAccessKey,
                catalog,
                metastoreUrl,
                values.get("metastore.user").strip(),
                values.get("metastore.password"),
                positive(duration(values, "cluster.lease-duration"), "cluster.lease-duration"),
                advertisedEndpoint(values),
                spark);
    }

    /** An http(s) URL without a path, or empty. */
    private static String advertisedEndpoint(Map<String, String> values) {
        String given = values.get("cluster.advertised-endpoint").strip();
        if (given.isEmpty()) {
            return given;
        }
        try {
            URI uri = new URI(given);
            if ((!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) || uri.getHost() == null
                    || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")) || uri.getRawQuery() != null) {
                throw new ConfigException("cluster.advertised-endpoint must be an http:// or https:// URL with a host and no path, "
                        + "like http://10.0.0.5:8420; it is " + given);
            }
            return given.endsWith("/") ? given.substring(0, given.length() - 1) : given;
        }
        catch (java.net.URISyntaxException e) {
            throw new ConfigException("cluster.advertised-endpoint is not a URL: " + e.getMessage());
        }
    }

    /** The keys that may sign API calls: auth.access-key-id with its secret, and auth.extra-keys. */
    private static Map<String, String> authKeys(Map<String, String> values) {
        Map<String, String> keys = new LinkedHashMap<>();
        String id = values.get("auth.access-key-id").strip();
        String secret = values.get("auth.secret-access-key").strip();
        if (id.isEmpty() != secret.isEmpty()) {
            throw new ConfigException("set both auth.access-key-id and auth.secret-access-key, or neither");
        }
        if (!id.isEmpty()) {
            keys.put(id, secret);
        }
        for (String pair : list(values, "auth.extra-keys")) {
            int colon = pair.indexOf(':');
            if (colon <= 0 || colon == pair.length() - 1) {
                throw new ConfigException("auth.extra-keys takes ACCESS_KEY_ID:SECRET pairs, comma-separated; one is '"
                        + pair.substring(0, Math.max(0, colon < 0 ? Math.min(pair.length(), 4) : colon)) + "...'");
            }
            keys.put(pair.substring(0, colon).strip(), pair.substring(colon + 1).strip());
        }
        return keys;
    }

    /**
     * The metastore's PostgreSQL URL, or empty for embedded Derby. It may not be the store's database:
     * the store refuses to start on a database holding another program's tables, which the metastore's are.
     */
    private static String metastoreUrl(Map<String, String> values, String catalog) {
        String url = values.get("metastore.url").strip();
        if (url.isEmpty()) {
            return url;
        }
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new ConfigException("metastore.url must be a PostgreSQL database, jdbc:postgresql://HOST:PORT/DATABASE (leave it empty "
                    + "for embedded Derby), not '" + withoutParameters(url) + "'");
        }
        if (catalog.equals("in-memory")) {
            throw new ConfigException("metastore.url is set, but catalog=in-memory keeps no metastore: set catalog=hive, or drop metastore.url");
        }
        if (withoutParameters(url).equals(withoutParameters(values.get("store.url").strip()))) {
            throw new ConfigException("metastore.url and store.url name the same database; give the metastore a database of its own");
        }
        return url;
    }

    /** A URL as messages may show it: parameters (where a password may be) left out. */
    private static String withoutParameters(String url) {
        int parameters = url.indexOf('?');
        return parameters < 0 ? url : url.substring(0, parameters);
    }

    /** Every setting but the secrets (passwords, secret keys), which are shown as set or not. */
    @Override
    public String toString() {
        return "NoctuaConfig[httpHost=" + httpHost + ", httpPort=" + httpPort + ", dataDir=" + dataDir + ", storeUrl=" + withoutParameters(storeUrl)
                + ", storeUser=" + storeUser + ", storePassword=" + hidden(storePassword) + ", metastoreUrl=" + withoutParameters(metastoreUrl)
                + ", metastoreUser=" + metastoreUser + ", metastorePassword=" + hidden(metastorePassword) + ", authKeys=" + authKeys.keySet()
                + ", s3Embedded=" + s3Embedded + ", s3Endpoint=" + s3Endpoint.map(URI::toString).orElse("") + ", s3AccessKeyId=" + s3AccessKeyId
                + ", s3SecretAccessKey=" + hidden(s3SecretAccessKey) + ", catalog=" + catalog + ", spark=" + spark.keySet() + ", ...]";
    }

    private static String hidden(String secret) {
        return secret.isEmpty() ? "" : "(set)";
    }

    private static List<String> list(Map<String, String> values, String key) {
        List<String> items = new java.util.ArrayList<>();
        for (String item : values.get(key).split(",")) {
            if (!item.isBlank()) {
                items.add(item.strip());
            }
        }
        return items;
    }

    private static Optional<URI> endpoint(Map<String, String> values, boolean embedded) {
        String text = values.get("s3.endpoint").strip();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        if (embedded) {
            throw new ConfigException("s3.endpoint names another S3 store, so the embedded one is not wanted: set s3.embedded=false as well");
        }
        try {
            URI uri = new URI(text);
            if (uri.getHost() == null || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
                throw new URISyntaxException(text, "expected http://host[:port] or https://host[:port]");
            }
            return Optional.of(uri);
        }
        catch (URISyntaxException e) {
            throw new ConfigException("s3.endpoint must be a URL such as http://localhost:9000, not '" + text + "'");
        }
    }

    private static String nonEmpty(Map<String, String> values, String key) {
        String text = values.get(key).strip();
        if (text.isEmpty()) {
            throw new ConfigException(key + " must not be empty");
        }
        return text;
    }

    /** The version of the Spark the server runs (as its jars say), for pyspark of the same version. */
    public static String sparkVersion() {
        return org.apache.spark.SparkBuildInfo.spark_version();
    }

    private static String oneOf(Map<String, String> values, String key, String... allowed) {
        String text = values.get(key).strip();
        if (!List.of(allowed).contains(text)) {
            throw new ConfigException(key + " must be one of " + String.join(", ", allowed) + ", not '" + text + "'");
        }
        return text;
    }

    /** The PostgreSQL database of the Hive metastore, when {@code catalog=hive} and metastore.url is set. */
    public Optional<MetastoreDatabase> metastoreDatabase() {
        return metastoreUrl.isEmpty() ? Optional.empty() : Optional.of(new MetastoreDatabase(metastoreUrl, metastoreUser, metastorePassword));
    }

    /** Where the Hive metastore's Derby database lives, when {@code catalog=hive} and metastore.url is empty. */
    public Path metastoreDir() {
        return dataDir.resolve("metastore");
    }

    /** Where the embedded S3 store listens, once its port is known (not 0). */
    public URI embeddedS3Endpoint() {
        if (s3Port == 0) {
            throw new IllegalStateException("the embedded S3 store's port is chosen when it starts");
        }
        return URI.create("http://" + httpHost + ":" + s3Port);
    }

    /** How an S3 client reaches the S3 store: the embedded one (on a fixed port), or the configured endpoint or AWS S3. */
    public S3Settings s3Settings() {
        Optional<URI> endpoint = s3Embedded ? Optional.of(embeddedS3Endpoint()) : s3Endpoint;
        boolean pathStyle = s3PathStyle.equals("auto") ? endpoint.isPresent() : Boolean.parseBoolean(s3PathStyle);
        return new S3Settings(endpoint, s3Region, pathStyle, s3AccessKeyId.isEmpty() ? null : s3AccessKeyId,
                s3SecretAccessKey.isEmpty() ? null : s3SecretAccessKey);
    }


    private static int integer(Map<String, String> values, String key, int min, int max) {
        String text = values.get(key);
        try {
            int value = Integer.parseInt(text.strip());
            if (value < min || value > max) {
                throw new ConfigException(key + " must be between " + min + " and " + max + ", not " + value);
            }
            return value;
        }
        catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, not '" + text + "'");
        }
    }

    private static boolean bool(Map<String, String> values, String key) {
        String text = values.get(key).strip();
        if (!text.equals("true") && !text.equals("false")) {
            throw new ConfigException(key + " must be true or false, not '" + text + "'");
        }
        return Boolean.parseBoolean(text);
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    static Duration duration(Map<String, String> values, String key) {
        String text = values.get(key);
        Matcher matcher = DURATION.matcher(text.strip());
        if (!matcher.matches()) {
            throw new ConfigException(key + " must be a duration such as 500ms, 5s, 2m or 1h, not '" + text + "'");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    private static Duration positive(Duration duration, String key) {
        if (duration.isZero()) {
            throw new ConfigException(key + " must be longer than 0");
        }
        return duration;
    }

    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
