package io.noctua.store;

import io.noctua.notebook.Notebook;
import io.noctua.notebook.NotebookStore;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static io.noctua.store.Database.instant;
import static io.noctua.store.Database.millis;
import static java.util.Objects.requireNonNull;

/** Notebooks in the {@code notebooks} table, the .ipynb document in a column of its own, read only by {@link #payload}. */
public final class JdbcNotebookStore implements NotebookStore {
    private static final String COLUMNS = "notebook_id, work_group, name, type, creation_time, last_modified_time";

    private final Database database;

    public JdbcNotebookStore(Database database) {
        this.database = requireNonNull(database, "database is null");
    }

    @Override
    public boolean insert(Notebook notebook, String payload, String clientRequestToken) {
        return database.execute("INSERT INTO notebooks (" + COLUMNS + ", payload, client_request_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT DO NOTHING", notebook.notebookId(), notebook.workGroup(), notebook.name(), notebook.type(),
                millis(notebook.creationTime()), millis(notebook.lastModifiedTime()), payload, clientRequestToken) == 1;
    }

    @Override
    public Optional<Notebook> get(String notebookId) {
        return database.queryOne("SELECT " + COLUMNS + " FROM notebooks WHERE notebook_id = ?", JdbcNotebookStore::notebook, notebookId);
    }

    @Override
    public Optional<String> payload(String notebookId) {
        return database.queryOne("SELECT payload FROM notebooks WHERE notebook_id = ?", row -> row.getString(1), notebookId);
    }

    @Override
    public Optional<Notebook> byClientRequestToken(String clientRequestToken) {
        return database.queryOne("SELECT " + COLUMNS + " FROM notebooks WHERE client_request_token = ?", JdbcNotebookStore::notebook,
                clientRequestToken);
    }

    @Override
    public List<Notebook> list(String workGroup, String nameContains, String afterName, int limit) {
        // the match is done here rather than with LIKE, whose wildcards (% and _) a notebook's name may hold
        return database.query("SELECT " + COLUMNS + " FROM notebooks WHERE work_group = ? AND name > ? ORDER BY name",
                JdbcNotebookStore::notebook, workGroup, afterName == null ? "" : afterName).stream()
                .filter(notebook -> nameContains == null || notebook.name().contains(nameContains))
                .limit(limit)
                .toList();
    }

    @Override
    public void updatePayload(String notebookId, String payload, Instant lastModifiedTime) {
        database.execute("UPDATE notebooks SET payload = ?, last_modified_time = ? WHERE notebook_id = ?", payload, millis(lastModifiedTime),
                notebookId);
    }

    @Override
    public boolean rename(String notebookId, String name, Instant lastModifiedTime) {
        return database.inTransaction(() -> {
            Optional<Notebook> notebook = get(notebookId);
            if (notebook.isEmpty()) {
                return false;
            }
            boolean taken = database.queryOne("SELECT COUNT(*) FROM notebooks WHERE work_group = ? AND name = ? AND notebook_id <> ?",
                    row -> row.getInt(1), notebook.get().workGroup(), name, notebookId).orElse(0) > 0;
            if (taken) {
                return false;
            }
            return database.execute("UPDATE notebooks SET name = ?, last_modified_time = ? WHERE notebook_id = ?", name,
                    millis(lastModifiedTime), notebookId) == 1;
        });
    }

    @Override
    public boolean delete(String notebookId) {
        return database.execute("DELETE FROM notebooks WHERE notebook_id = ?", notebookId) == 1;
    }

    private static Notebook notebook(ResultSet row) throws SQLException {
        return new Notebook(row.getString("notebook_id"), row.getString("work_group"), row.getString("name"), row.getString("type"),
                instant(row, "creation_time"), instant(row, "last_modified_time"));
    }
}
