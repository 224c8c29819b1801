package io.noctua.cli;

import io.noctua.NoctuaServer;
import io.noctua.config.NoctuaConfig;
import io.noctua.engine.MetastoreDatabase;
import io.noctua.engine.SparkEngine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

import static java.util.Objects.requireNonNull;

/** {@code noctua serve}: starts Spark and the server, prints how to reach it, runs until stopped. */
public final class ServeCommand {
    private final PrintStream out;
    private final PrintStream err;

    public ServeCommand(PrintStream out, PrintStream err) {
        this.out = requireNonNull(out, "out is null");
        this.err = requireNonNull(err, "err is null");
    }

    public int run(String[] args) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    out.print(usage());
                    return 0;
                }
                case "--port", "--host", "--data-dir", "--spark-master", "--conf" -> {
                    if (i + 1 >= args.length) {
                        err.println("noctua serve: " + arg + " needs a value");
                        return 2;
                    }
                    String value = args[++i];
                    if (arg.equals("--conf")) {
                        int equals = value.indexOf('=');
                        if (equals <= 0) {
                            err.println("noctua serve: --conf takes key=value, not '" + value + "'");
                            return 2;
                        }
                        settings.put(value.substring(0, equals), value.substring(equals + 1));
                    }
                    else {
                        settings.put(switch (arg) {
                            case "--port" -> "http.port";
                            case "--host" -> "http.host";
                            case "--data-dir" -> "data-dir";
                            default -> "spark.master";
                        }, value);
                    }
                }
                default -> {
                    err.println("noctua serve: unknown option '" + arg + "'");
                    err.print(usage());
                    return 2;
                }
            }
        }
        NoctuaConfig config;
        try {
            config = NoctuaConfig.from(withFileSettings(settings));
        }
        catch (NoctuaConfig.ConfigException e) {
            err.println("noctua serve: " + e.getMessage());
            return 2;
        }
        return serve(config);
    }

    /** Settings from {@code <data-dir>/noctua.properties}, overridden by those given on the command line. */
    private Map<String, String> withFileSettings(Map<String, String> given) {
        String dataDir = given.getOrDefault("data-dir", NoctuaConfig.DEFAULTS.get("data-dir")[0]);
        Path file = Path.of(dataDir, "noctua.properties");
        Map<String, String> settings = new TreeMap<>();
        if (Files.isRegularFile(file)) {
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            }
            catch (IOException e) {
                throw new NoctuaConfig.ConfigException("cannot read " + file + ": " + e.getMessage());
            }
            properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key)));
        }
        settings.putAll(given);
        return settings;
    }

    private int serve(NoctuaConfig config) {
        long begin = System.nanoTime();
        try {
            // checked before Spark starts, which would meet the same failure later, in pages of DataNucleus' logs
            config.metastoreDatabase().ifPresent(MetastoreDatabase::requireReachable);
        }
        catch (RuntimeException e) {
            err.println("noctua serve: " + e.getMessage());
            return 1;
        }
        Map<String, String> sparkProperties;
        try {
            sparkProperties = NoctuaServer.sparkProperties(config);
        }
        catch (NoctuaConfig.ConfigException e) {
            err.println("noctua serve: " + e.getMessage());
            return 2;
        }
        SparkEngine engine = SparkEngine.start(sparkProperties);
        NoctuaServer server;
        try {
            server = NoctuaServer.start(config, engine);
        }
        catch (RuntimeException e) {
            err.println("noctua serve: " + e.getMessage());
            engine.close();
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            err.println("noctua: shutting down");
            server.close();
            engine.close();
            stopped.countDown();
        }, "noctua-shutdown"));
        out.print(banner(server));
        out.flush();
        try {
            engine.awaitReady(Duration.ofMinutes(5));
            out.printf("Spark %s is ready on %s (%d ms after start).%n", engine.version(), engine.master(),
                    (System.nanoTime() - begin) / 1_000_000);
            engine.uiPort().ifPresent(port -> out.println(sparkUiLine(server, port)));
        }
        catch (RuntimeException e) {
            err.println("noctua: " + e.getMessage() + "; sessions will fail until it is fixed");
        }
        out.flush();
        try {
            stopped.await();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Where Spark's UI is; when calls are signed, it opens only from GetResourceDashboard's URL, which carries a token. */
    static String sparkUiLine(NoctuaServer server, int port) {
        java.net.URI endpoint = java.net.URI.create(server.endpoint());
        String url = endpoint.getScheme() + "://" + endpoint.getRawAuthority().replaceFirst(":\\d+$", ":" + port) + "/jobs/";
        return server.config().authKeys().isEmpty()
                ? "Spark's UI is at " + url + " while this server runs (GetResourceDashboard gives a session's dashboard)."
                : "Spark's UI is on port " + port + "; it opens from the URL GetResourceDashboard gives for a session (calls are signed here).";
    }

    static String banner(NoctuaServer server) {
        NoctuaConfig config = server.config();
        String endpoint = server.endpoint();
        String workGroup = config.sparkWorkGroup();
        // with keys configured, the examples name the first key; its secret is the person's to type
        String keyId = config.authKeys().keySet().stream().findFirst().orElse("test");
        String secret = config.authKeys().isEmpty() ? "test" : "<its secret>";
        String credentials = config.authKeys().isEmpty()
                ? "any region, any credentials"
                : "any region; calls must be signed with one of its " + config.authKeys().size() + " keys (auth.*)";
        return """
                Noctua is serving Amazon Athena's Spark calculation API, its SQL query API and the Glue Data Catalog API.
                  endpoint   %1$s   (%7$s; Athena and Glue clients alike)
                  console    %1$s/console   (sessions, calculations and SQL queries in the browser)
                  health     %1$s/health and %1$s/metrics   (for probes and Prometheus)
                  workgroup  %2$s   (PySpark engine version 3, ready to use); primary   (SQL queries, on Spark SQL)
                  data       %3$s
                  results    %4$s   on %5$s%6$s
                  python     %10$s

                Try it with the AWS CLI:
                  export AWS_ACCESS_KEY_ID=%8$s AWS_SECRET_ACCESS_KEY=%9$s AWS_DEFAULT_REGION=us-east-1
                  aws athena start-session --endpoint-url %1$s --work-group %2$s --engine-configuration MaxConcurrentDpus=2

                or with boto3:
                  import boto3, time
                  athena = boto3.client("athena", endpoint_url="%1$s", region_name="us-east-1",
                                        aws_access_key_id="%8$s", aws_secret_access_key="%9$s")
                  sid = athena.start_session(WorkGroup="%2$s", EngineConfiguration={"MaxConcurrentDpus": 2})["SessionId"]
                  while athena.get_session_status(SessionId=sid)["Status"]["State"] != "IDLE": time.sleep(0.1)
                  cid = athena.start_calculation_execution(SessionId=sid, CodeBlock="%%%%sql\\nSELECT 1 AS one")["CalculationExecutionId"]
                  qid = athena.start_query_execution(QueryString="SELECT 1 AS one", WorkGroup="primary")["QueryExecutionId"]

                """.formatted(endpoint, workGroup, config.dataDir().toAbsolutePath(), config.defaultOutputLocation(),
                server.results().describe(), server.s3Endpoint()
                        .map(s3 -> "\n  s3         " + s3 + "   (access key " + config.s3AccessKeyId() + ", secret key "
                                + config.s3SecretAccessKey() + "): results and s3:// data are readable here")
                        .orElse(""), credentials, keyId, secret, server.pythonDescription().replace("\n", "\n             "));
    }

    static String usage() {
        StringBuilder settings = new StringBuilder();
        new TreeMap<>(NoctuaConfig.DEFAULTS).forEach((key, value) ->
                settings.append(String.format("  %-38s %s%n  %-38s   (default: %s)%n", key, value[1], "", value[0])));
        return """
                Usage: noctua serve [--port N] [--host ADDRESS] [--data-dir DIR] [--spark-master URL] [--conf KEY=VALUE]...

                Runs the Noctua server until it is stopped (Ctrl-C). Settings come from --conf KEY=VALUE,
                then DIR/noctua.properties, then the defaults below; any spark.* key goes to Spark as is.

                Settings:
                """ + settings;
    }
}
