package io.noctua.engine;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import static java.util.Objects.requireNonNull;

/**
 * A PostgreSQL database holding the Hive metastore ({@code metastore.url}), which several servers can
 * share, where embedded Derby allows one process. On an empty database, the metastore client's
 * DataNucleus creates the catalog's tables as it needs them, and {@link PostgresMetastore} the lock tables.
 * The password goes to Spark's Hadoop configuration, never into a message: Spark redacts keys
 * named like a password in its logs and UI.
 */
public record MetastoreDatabase(String url, String user, String password) {
    public MetastoreDatabase {
        requireNonNull(url, "url is null");
        requireNonNull(user, "user is null");
        requireNonNull(password, "password is null");
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("not a PostgreSQL URL: " + location(url));
        }
    }

    /** The Spark properties that put the Hive metastore client on this database. */
    public Map<String, String> sparkProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spark.sql.catalogImplementation", "hive");
        properties.put("spark.hadoop.javax.jdo.option.ConnectionURL", url);
        properties.put("spark.hadoop.javax.jdo.option.ConnectionDriverName", "org.postgresql.Driver");
        if (!user.isEmpty()) {
            properties.put("spark.hadoop.javax.jdo.option.ConnectionUserName", user);
        }
        if (!password.isEmpty()) {
            properties.put("spark.hadoop.javax.jdo.option.ConnectionPassword", password);
        }
        // an empty database gets the catalog's tables from DataNucleus; there is no schema version to check
        // against then (Hive records its own once the tables are made)
        properties.put("spark.hadoop.datanucleus.schema.autoCreateAll", "true");
        properties.put("spark.hadoop.hive.metastore.schema.verification", "false");
        return properties;
    }

    /**
     * Connects once, so that a wrong address, a missing database or a refused password stops the start
     * with one line naming the database, before Spark and DataNucleus log pages about it.
     */
    public void requireReachable() {
        try (Connection connection = connect(url, user, password)) {
            connection.isValid(2);
        }
        catch (SQLException e) {
            throw new SparkEngine.EngineException("the catalog's database (metastore.url) could not be reached: " + describe(e) + " at "
                    + location(url), null);
        }
    }

    static Connection connect(String url, String user, String password) throws SQLException {
        Properties credentials = new Properties();
        if (!user.isEmpty()) {
            credentials.setProperty("user", user);
        }
        if (!password.isEmpty()) {
            credentials.setProperty("password", password);
        }
        return DriverManager.getConnection(url, credentials);
    }

    /** What went wrong, in words, with PostgreSQL's own message and code. */
    private static String describe(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String words;
        if (state.startsWith("08")) {
            words = "the connection to the database server failed";
        }
        else if (state.equals("3D000")) {
            words = "the database does not exist on the server (create it empty, e.g. with createdb)";
        }
        else if (state.startsWith("28")) {
            words = "the database server refused the user name or password (metastore.user, metastore.password)";
        }
        else {
            return firstLine(e.getMessage()) + (state.isEmpty() ? "" : " (SQLState " + state + ")");
        }
        return words + ": " + firstLine(e.getMessage()) + " (SQLState " + state + ")";
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("").strip();
    }

    /** The URL without its parameters or user information, where a password may be. */
    public static String location(String url) {
        String location = url;
        int parameters = location.indexOf('?');
        if (parameters >= 0) {
            location = location.substring(0, parameters);
        }
        int at = location.indexOf('@');
        if (at >= 0) {
            location = "jdbc:postgresql://" + location.substring(at + 1);
        }
        return location;
    }

    @Override
    public String toString() {
        return "MetastoreDatabase[" + location(url) + (user.isEmpty() ? "" : ", user " + user) + "]";
    }
}
