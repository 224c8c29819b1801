package io.noctua.engine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The persistent catalog: databases and tables created in any session are kept by Spark's Hive
 * metastore client in an embedded Derby database under one directory, so other sessions see them
 * at once and a restarted server finds them again (Athena keeps them in the Glue catalog; the same
 * {@code database.table} names work). Derby allows one process per database: two servers cannot
 * share a data directory. Servers that share a catalog keep it in PostgreSQL instead
 * ({@link MetastoreDatabase}).
 */
public final class HiveMetastore {
    private HiveMetastore() {
    }

    /** The Spark properties for a metastore in {@code directory}. */
    public static Map<String, String> sparkProperties(Path directory) {
        Path database = directory.toAbsolutePath().normalize().resolve("metastore_db");
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spark.sql.catalogImplementation", "hive");
        properties.put("spark.hadoop.javax.jdo.option.ConnectionURL", "jdbc:derby:;databaseName=" + database + ";create=true");
        // Derby's own log goes beside the database instead of into the working directory (see SparkEngine)
        properties.put(DERBY_HOME, directory.toAbsolutePath().normalize().toString());
        return properties;
    }

    /** The Spark properties for a metastore in a PostgreSQL database. */
    public static Map<String, String> sparkProperties(MetastoreDatabase database) {
        return database.sparkProperties();
    }

    /**
     * Makes the metastore's first call ({@code firstCatalogCall}, which creates the catalog's tables in an
     * empty database), then its lock tables if missing.
     */
    static void firstUse(org.apache.hadoop.conf.Configuration hadoopConf, Runnable firstCatalogCall) {
        if (hadoopConf.get("javax.jdo.option.ConnectionURL", "").startsWith("jdbc:postgresql:")) {
            PostgresMetastore.firstUse(hadoopConf, firstCatalogCall);
            return;
        }
        firstCatalogCall.run();
        prepareLockTables(hadoopConf);
    }

    /**
     * Makes the metastore's lock tables, if missing, in an embedded Derby metastore. Spark's Hive client
     * creates the catalog's tables but not these; Iceberg's Hive catalog takes a metastore lock around
     * each commit, which is what makes two sessions' commits to one table safe.
     */
    private static void prepareLockTables(org.apache.hadoop.conf.Configuration hadoopConf) {
        String url = hadoopConf.get("javax.jdo.option.ConnectionURL", "");
        if (!url.startsWith("jdbc:derby:")) {
            return;
        }
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url);
             java.sql.ResultSet tables = connection.getMetaData().getTables(null, null, "HIVE_LOCKS", null)) {
            if (tables.next()) {
                return;
            }
        }
        catch (java.sql.SQLException e) {
            throw new IllegalStateException("the metastore at " + url + " could not be read: " + e.getMessage(), e);
        }
        try {
            org.apache.hadoop.hive.metastore.txn.TxnDbUtil.prepDb(new org.apache.hadoop.hive.conf.HiveConf(hadoopConf, HiveMetastore.class));
        }
        catch (Exception e) {
            throw new IllegalStateException("the metastore's lock tables could not be made in " + url + ": " + e.getMessage(), e);
        }
    }

    /** Not a Spark setting: SparkEngine makes it the {@code derby.system.home} system property, which Derby reads once. */
    static final String DERBY_HOME = "spark.noctua.derby.system.home";
}
