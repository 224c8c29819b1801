package io.noctua.engine;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.conf.HiveConf;
import org.datanucleus.api.jdo.JDOPersistenceManagerFactory;
import org.datanucleus.store.schema.SchemaAwareStoreManager;

import javax.jdo.JDOHelper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates all the catalog's tables in an empty metastore database at once, as Hive's schematool would.
 * Left to itself, DataNucleus creates each table when its class is first used, inside the metastore
 * call that uses it: on PostgreSQL, the first CREATE TABLE then hangs for ever, its DDL connection
 * adding a foreign key to TBLS while the call's own transaction holds a row lock in TBLS.
 */
final class MetastoreSchema {
    private static final String MODEL_PACKAGE = "org.apache.hadoop.hive.metastore.model";
    private static final Pattern CLASS = Pattern.compile("<class\\s+name=\"(\\w+)\"");

    private MetastoreSchema() {
    }

    /** Makes every table of Hive's metastore model, through DataNucleus configured as the metastore client configures it. */
    static void create(Configuration hadoopConf) {
        JDOPersistenceManagerFactory factory = (JDOPersistenceManagerFactory) JDOHelper.getPersistenceManagerFactory(dataSourceProperties(hadoopConf),
                MetastoreSchema.class.getClassLoader());
        try {
            ((SchemaAwareStoreManager) factory.getNucleusContext().getStoreManager()).createSchemaForClasses(modelClasses(), new Properties());
        }
        finally {
            factory.close();
        }
    }

    /** As Hive's ObjectStore gathers them: every DataNucleus and JDO setting of the Hive configuration. */
    private static Properties dataSourceProperties(Configuration hadoopConf) {
        Properties properties = new Properties();
        for (Map.Entry<String, String> entry : new HiveConf(hadoopConf, MetastoreSchema.class)) {
            if (entry.getKey().contains("datanucleus") || entry.getKey().contains("jdo")) {
                properties.setProperty(entry.getKey(), entry.getValue());
            }
        }
        return properties;
    }

    /** The persistent classes Hive's metastore declares in its {@code package.jdo}. */
    private static Set<String> modelClasses() {
        try (InputStream in = org.apache.hadoop.hive.metastore.ObjectStore.class.getResourceAsStream("/package.jdo")) {
            if (in == null) {
                throw new IllegalStateException("Hive's package.jdo is not on the class path");
            }
            Matcher classes = CLASS.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            Set<String> names = new TreeSet<>();
            while (classes.find()) {
                names.add(MODEL_PACKAGE + "." + classes.group(1));
            }
            return names;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
