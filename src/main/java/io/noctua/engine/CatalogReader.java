package io.noctua.engine;

import java.util.List;
import java.util.Optional;

/** What Athena's catalog-reading calls read from a catalog: its databases and their tables, in {@link MetastoreCatalog}'s records. */
public interface CatalogReader {
    /** Database names, sorted. */
    List<String> databases();

    Optional<MetastoreCatalog.Database> database(String name);

    /** Table names of {@code database} matching a Hive pattern ({@code *} any text, {@code |} alternatives), or all of them; sorted. */
    List<String> tableNames(String database, String pattern);

    Optional<MetastoreCatalog.Table> table(String database, String name);

    /** The tables of {@code names} that exist, in one call to the metastore. */
    List<MetastoreCatalog.Table> tables(String database, List<String> names);
}
