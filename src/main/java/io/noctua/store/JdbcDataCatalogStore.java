package io.noctua.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.catalog.DataCatalogDefinition;
import io.noctua.catalog.DataCatalogStore;
import io.noctua.protocol.JsonCodec;
import io.noctua.tags.TaggedResource;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import static io.noctua.store.Database.instant;
import static io.noctua.store.Database.millis;
import static java.util.Objects.requireNonNull;

/** Data catalogs in the {@code data_catalogs} table; the parameters as a JSON object. */
public final class JdbcDataCatalogStore implements DataCatalogStore {
    private static final String COLUMNS = "name, type, description, parameters, creation_time";

    private final Database database;

    public JdbcDataCatalogStore(Database database) {
        this.database = requireNonNull(database, "database is null");
    }

    @Override
    public boolean insert(DataCatalogDefinition catalog) {
        return database.execute("INSERT INTO data_catalogs (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                catalog.name(), catalog.type(), catalog.description(), parameters(catalog), millis(catalog.creationTime())) == 1;
    }

    @Override
    public Optional<DataCatalogDefinition> get(String name) {
        return database.queryOne("SELECT " + COLUMNS + " FROM data_catalogs WHERE name = ?", JdbcDataCatalogStore::catalog, name);
    }

    @Override
    public List<DataCatalogDefinition> list(String afterName, int limit) {
        return database.query("SELECT " + COLUMNS + " FROM data_catalogs WHERE name > ? ORDER BY name LIMIT ?", JdbcDataCatalogStore::catalog,
                afterName == null ? "" : afterName, limit);
    }

    @Override
    public boolean update(DataCatalogDefinition catalog) {
        return database.execute("UPDATE data_catalogs SET type = ?, description = ?, parameters = ? WHERE name = ?",
                catalog.type(), catalog.description(), parameters(catalog), catalog.name()) == 1;
    }

    @Override
    public boolean delete(String name) {
        return database.inTransaction(() -> {
            database.execute("DELETE FROM tags WHERE resource = ?", new TaggedResource(TaggedResource.DATA_CATALOG, name).key());
            return database.execute("DELETE FROM data_catalogs WHERE name = ?", name) > 0;
        });
    }

    private static String parameters(DataCatalogDefinition catalog) {
        ObjectNode json = JsonCodec.mapper().createObjectNode();
        catalog.parameters().forEach(json::put);
        return json.toString();
    }

    private static DataCatalogDefinition catalog(ResultSet row) throws SQLException {
        String name = row.getString("name");
        ObjectNode json = StoredJson.object(row.getString("parameters"), "parameters of data catalog " + name);
        TreeMap<String, String> parameters = new TreeMap<>();
        json.fields().forEachRemaining(field -> parameters.put(field.getKey(), field.getValue().asText()));
        return new DataCatalogDefinition(name, row.getString("type"), row.getString("description"), parameters, instant(row, "creation_time"));
    }
}
