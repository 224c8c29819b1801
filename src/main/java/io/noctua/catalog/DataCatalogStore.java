package io.noctua.catalog;

import java.util.List;
import java.util.Optional;

/** Where the data catalogs made with CreateDataCatalog are kept (AwsDataCatalog, Noctua's own, is not among them). */
public interface DataCatalogStore {
    /** False if a catalog of that name exists. */
    boolean insert(DataCatalogDefinition catalog);

    Optional<DataCatalogDefinition> get(String name);

    /** In name order, after {@code afterName} (null: from the first). */
    List<DataCatalogDefinition> list(String afterName, int limit);

    /** Replaces type, description and parameters; false if there is no such catalog. */
    boolean update(DataCatalogDefinition catalog);

    /** Deletes the catalog and its tags; false if there was none. */
    boolean delete(String name);
}
