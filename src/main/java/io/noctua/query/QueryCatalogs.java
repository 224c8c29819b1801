package io.noctua.query;

import io.noctua.engine.hive.RemoteCatalogs;

/** The data catalogs a query can use besides AwsDataCatalog, and why the others cannot be used. */
public interface QueryCatalogs {
    /** None besides AwsDataCatalog, and every other name unknown. */
    QueryCatalogs NONE = new QueryCatalogs() {
        @Override
        public RemoteCatalogs remoteCatalogs() {
            return RemoteCatalogs.NONE;
        }

        @Override
        public String notQueryable(String name) {
            return null;
        }
    };

    /** The HIVE catalogs of remote Hive metastores, as they are now. */
    RemoteCatalogs remoteCatalogs();

    /** Why a catalog that is not among {@link #remoteCatalogs} cannot be queried, or null if no catalog has that name. */
    String notQueryable(String name);
}
