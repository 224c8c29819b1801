package io.noctua.store;

import io.noctua.tags.TagStore;

import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/** Tags in the {@code tags} table, a row per resource and key. */
public final class JdbcTagStore implements TagStore {
    private final Database database;

    public JdbcTagStore(Database database) {
        this.database = requireNonNull(database, "database is null");
    }

    /** Past the limit: the whole change is rolled back. */
    private static final class TooMany extends RuntimeException {
        TooMany() {
            super(null, null, false, false);
        }
    }

    @Override
    public SortedMap<String, String> tags(String resource) {
        SortedMap<String, String> tags = new TreeMap<>();
        database.query("SELECT tag_key, tag_value FROM tags WHERE resource = ?",
                row -> tags.put(row.getString("tag_key"), row.getString("tag_value")), resource);
        return tags;
    }

    @Override
    public boolean tag(String resource, Map<String, String> tags, int max) {
        try {
            return database.inTransaction(() -> {
                tags.forEach((key, value) -> database.execute("INSERT INTO tags (resource, tag_key, tag_value) VALUES (?, ?, ?) "
                        + "ON CONFLICT (resource, tag_key) DO UPDATE SET tag_value = excluded.tag_value", resource, key, value));
                long count = database.queryOne("SELECT COUNT(*) AS n FROM tags WHERE resource = ?", row -> row.getLong("n"), resource)
                        .orElse(0L);
                if (count > max) {
                    throw new TooMany();
                }
                return true;
            });
        }
        catch (TooMany e) {
            return false;
        }
    }

    @Override
    public void untag(String resource, Collection<String> keys) {
        database.inTransaction(() -> {
            keys.forEach(key -> database.execute("DELETE FROM tags WHERE resource = ? AND tag_key = ?", resource, key));
            return null;
        });
    }
}
