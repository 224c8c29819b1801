package io.noctua.engine.hive;

import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.api.Database;
import org.apache.hadoop.hive.metastore.api.NoSuchObjectException;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.thrift.TException;
import org.apache.thrift.transport.TTransportException;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * A Hive metastore Noctua reads over Thrift ({@code thrift://host:port}): the one a HIVE data catalog made with a
 * {@code metastore-uri} names. One per URI in the JVM, shared by every session and query that reads it; its one
 * connection is opened on first use, serves one call at a time (a Thrift client is not thread-safe), and is opened
 * again once when a call finds it broken. Every failure to reach it is a {@link RemoteCatalogException} naming the URI.
 * Only reads: Noctua never changes a metastore it does not own.
 */
public final class RemoteMetastore {
    private static final ConcurrentHashMap<String, RemoteMetastore> BY_URI = new ConcurrentHashMap<>();

    private final String uri;
    private HiveMetaStoreClient client; // under this object's lock
    private org.apache.spark.sql.connector.catalog.TableCatalog iceberg; // under this object's lock, made on first use

    private RemoteMetastore(String uri) {
        this.uri = requireNonNull(uri, "uri is null");
    }

    /** The metastore at {@code uri}: one or more {@code thrift://host:port}, comma-separated, as Hive's own setting takes them. */
    public static RemoteMetastore at(String uri) {
        return BY_URI.computeIfAbsent(uri, RemoteMetastore::new);
    }

    public String uri() {
        return uri;
    }

    public List<String> databases() {
        return call(HiveMetaStoreClient::getAllDatabases);
    }

    public Optional<Database> database(String name) {
        return call(client -> {
            try {
                return Optional.of(client.getDatabase(name));
            }
            catch (NoSuchObjectException e) {
                return Optional.empty();
            }
        });
    }

    /** Table names of {@code database} matching a Hive pattern ({@code *} any text, {@code |} alternatives), or all of them. */
    public List<String> tableNames(String database, String pattern) {
        return call(client -> pattern == null ? client.getAllTables(database) : client.getTables(database, pattern));
    }

    public Optional<Table> table(String database, String name) {
        return call(client -> {
            try {
                return Optional.of(client.getTable(database, name));
            }
            catch (NoSuchObjectException e) {
                return Optional.empty();
            }
        });
    }

    /** The tables of {@code names} that exist, in one call. */
    public List<Table> tables(String database, List<String> names) {
        return call(client -> client.getTableObjectsByName(database, names));
    }

    /** Every partition of a table, as the metastore lists them. */
    public List<Partition> partitions(String database, String table) {
        return call(client -> client.listPartitions(database, table, (short) -1));
    }

    /**
     * Iceberg's Spark catalog over this metastore (its Hive catalog), which reads the Iceberg tables the metastore names:
     * one per metastore in the JVM, made on first use with the Hadoop settings of the session that first needs it.
     * Iceberg keeps its own pool of connections to the metastore.
     */
    synchronized org.apache.spark.sql.connector.catalog.TableCatalog iceberg() {
        if (iceberg == null) {
            org.apache.iceberg.spark.SparkCatalog catalog = new org.apache.iceberg.spark.SparkCatalog();
            catalog.initialize("hive_metastore", new org.apache.spark.sql.util.CaseInsensitiveStringMap(
                    Map.of("type", "hive", "uri", uri, "cache-enabled", "false")));
            iceberg = catalog;
        }
        return iceberg;
    }

    private interface Call<T> {
        T on(HiveMetaStoreClient client) throws TException;
    }

    private synchronized <T> T call(Call<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.on(connected());
            }
            catch (TTransportException e) {
                disconnect();
                if (attempt == 2) {
                    throw unreachable(e);
                }
            }
            catch (TException e) {
                // MetaException and the like: the metastore answered and refused; the connection is still good
                throw new RemoteCatalogException("The Hive metastore at " + uri + " refused the call: " + describe(e), e);
            }
            catch (RemoteCatalogException e) {
                throw e; // no connection could be opened: it says so already
            }
            catch (RuntimeException e) {
                disconnect();
                throw unreachable(e);
            }
        }
    }

    private HiveMetaStoreClient connected() {
        if (client == null) {
            HiveConf conf = new HiveConf(RemoteMetastore.class);
            conf.setVar(HiveConf.ConfVars.METASTOREURIS, uri);
            conf.setIntVar(HiveConf.ConfVars.METASTORETHRIFTCONNECTIONRETRIES, 1);
            conf.setTimeVar(HiveConf.ConfVars.METASTORE_CLIENT_CONNECT_RETRY_DELAY, 1, java.util.concurrent.TimeUnit.SECONDS);
            conf.setTimeVar(HiveConf.ConfVars.METASTORE_CLIENT_SOCKET_TIMEOUT, 60, java.util.concurrent.TimeUnit.SECONDS);
            try {
                client = new HiveMetaStoreClient(conf);
            }
            catch (Exception e) { // MetaException, or a RuntimeException from Thrift's transport
                throw unreachable(e);
            }
        }
        return client;
    }

    private void disconnect() {
        if (client != null) {
            try {
                client.close();
            }
            catch (RuntimeException ignored) {
                // the connection is dropped either way
            }
            client = null;
        }
    }

    private RemoteCatalogException unreachable(Exception e) {
        return new RemoteCatalogException("The Hive metastore at " + uri + " cannot be reached: " + describe(e), e);
    }

    private static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        if (cause != e && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message += " (" + cause.getMessage() + ")";
        }
        return message;
    }
}
