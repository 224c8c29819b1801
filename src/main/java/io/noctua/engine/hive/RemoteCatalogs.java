package io.noctua.engine.hive;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.CatalogManager;
import org.apache.spark.sql.connector.catalog.CatalogPlugin;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The HIVE data catalogs of remote metastores a SparkSession can name, by data catalog name: each is a Spark catalog
 * ({@code spark.sql.catalog.<name>} = {@link RemoteHiveCatalog}) under its name as made, in lower case and in upper case
 * (Athena's names are not case-sensitive; Spark's catalog names are, so other mixtures of cases are not found).
 * {@link #applyTo} brings a session up to date: new catalogs are added, changed ones point at their new metastore, deleted
 * ones are removed (a query that still names one is told it was deleted). A catalog a session set itself ({@code spark.sql.catalog.<name>} naming another class) is the session's
 * and stays as it is.
 *
 * @param metastores each data catalog's metastore URI, by name
 */
public record RemoteCatalogs(Map<String, String> metastores) {
    public static final RemoteCatalogs NONE = new RemoteCatalogs(Map.of());
    private static final String PREFIX = "spark.sql.catalog.";
    private static final String CLASS = RemoteHiveCatalog.class.getName();

    public RemoteCatalogs {
        metastores = Map.copyOf(metastores);
    }

    /** The name a catalog was made with, for {@code name} in any case; null if no remote catalog has that name. */
    public String nameOf(String name) {
        if (metastores.containsKey(name)) {
            return name;
        }
        return metastores.keySet().stream().filter(stored -> stored.equalsIgnoreCase(name)).findFirst().orElse(null);
    }

    /** Spark's names for the catalogs: each name, and its lower-case and upper-case forms, to the metastore URI. */
    private Map<String, String> sparkNames() {
        Map<String, String> names = new TreeMap<>();
        metastores.forEach((name, uri) -> {
            names.put(name, uri);
            names.putIfAbsent(name.toLowerCase(Locale.ROOT), uri);
            names.putIfAbsent(name.toUpperCase(Locale.ROOT), uri);
        });
        return names;
    }

    /**
     * Registers these catalogs in {@code spark}, which has those of {@code before} registered ({@link #NONE} for a new
     * SparkSession), and removes those of {@code before} no longer among them.
     */
    public void applyTo(SparkSession spark, RemoteCatalogs before) {
        Map<String, String> wanted = sparkNames();
        org.apache.spark.sql.RuntimeConfig conf = spark.conf();
        CatalogManager manager = spark.sessionState().catalogManager();
        wanted.forEach((name, uri) -> {
            String key = PREFIX + name;
            String current = conf.contains(key) ? conf.get(key) : null;
            if (current != null && !current.equals(CLASS)) {
                return; // the session's own catalog of that name
            }
            if (current == null || !conf.contains(key + "." + RemoteHiveCatalog.URI)
                    || !uri.equals(conf.get(key + "." + RemoteHiveCatalog.URI))) {
                conf.set(key, CLASS);
                conf.set(key + "." + RemoteHiveCatalog.URI, uri);
                if (current != null) { // Spark may hold the catalog loaded with the former metastore
                    loaded(manager, name).pointAt(uri);
                }
            }
        });
        for (String name : before.sparkNames().keySet()) {
            String key = PREFIX + name;
            if (!wanted.containsKey(name) && conf.contains(key) && CLASS.equals(conf.get(key))) {
                loaded(manager, name).pointAt(null);
                conf.unset(key);
                conf.unset(key + "." + RemoteHiveCatalog.URI);
            }
        }
    }

    /** The session's instance of a registered remote catalog, loaded now if Spark had not loaded it. */
    private static RemoteHiveCatalog loaded(CatalogManager manager, String name) {
        CatalogPlugin plugin = manager.catalog(name);
        return (RemoteHiveCatalog) plugin;
    }
}
