package io.noctua.engine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The persistent catalog: databases and tables created in any session are kept by Spark's Hive
 * metastore client in an embedded Derby database under one directory, so other sessions see them
 * at once and a restarted server finds them again (Athena keeps them in the Glue catalog; the same
 * {@code database.table} names work). Derby allows one process per database: two servers cannot
 * share a data directory.
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

    /** Not a Spark setting: SparkEngine makes it the {@code derby.system.home} system property, which Derby reads once. */
    static final String DERBY_HOME = "spark.noctua.derby.system.home";
}
