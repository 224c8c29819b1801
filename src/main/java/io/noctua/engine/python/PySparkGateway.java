package io.noctua.engine.python;

import org.apache.spark.SparkConf;
import org.apache.spark.api.python.Py4JServer;

import static java.util.Objects.requireNonNull;

/**
 * Spark's own Py4J server, on loopback with a secret, started the first time a Python cell runs: a
 * worker that can import pyspark connects to it and binds {@code spark} to its session's SparkSession.
 */
public final class PySparkGateway {
    private final Py4JServer server;

    private PySparkGateway(Py4JServer server) {
        this.server = server;
    }

    public static PySparkGateway start(SparkConf conf) {
        Py4JServer server = new Py4JServer(requireNonNull(conf, "conf is null"));
        server.start();
        return new PySparkGateway(server);
    }

    public int port() {
        return server.getListeningPort();
    }

    public String secret() {
        return server.secret();
    }

    public void close() {
        server.shutdown();
    }
}
