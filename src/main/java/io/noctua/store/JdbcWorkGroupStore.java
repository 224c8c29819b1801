package io.noctua.store;

import io.noctua.api.WorkGroupState;
import io.noctua.tags.TaggedResource;
import io.noctua.workgroup.WorkGroup;
import io.noctua.workgroup.WorkGroupStore;
import io.noctua.workgroup.WorkGroupStore.Deletion;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** Workgroups in the {@code work_groups} table. */
public final class JdbcWorkGroupStore implements WorkGroupStore {
    private final Database database;

    public JdbcWorkGroupStore(Database database) {
        this.database = requireNonNull(database, "database is null");
    }


    @Override
    public boolean insert(WorkGroup workGroup) {
        // one statement: two servers on one store creating the same workgroup at once (the defaults at their
        // first start) get one row and a false, where a read before the insert let both through on PostgreSQL
        return database.execute("INSERT INTO work_groups (name, state, description, configuration, creation_time) VALUES (?, ?, ?, ?, ?) "
                        + "ON CONFLICT (name) DO NOTHING",
                workGroup.name(), workGroup.state().name(), workGroup.description(), workGroup.configuration().toString(),
                workGroup.creationTime().toEpochMilli()) == 1;
    }

    @Override
    public Optional<WorkGroup> get(String name) {
        return database.queryOne("SELECT name, state, description, configuration, creation_time FROM work_groups WHERE name = ?",
                JdbcWorkGroupStore::workGroup, name);
    }

    @Override
    public List<WorkGroup> list(String afterName, int limit) {
        return database.query("SELECT name, state, description, configuration, creation_time FROM work_groups WHERE name > ? ORDER BY name LIMIT ?",
                JdbcWorkGroupStore::workGroup, afterName == null ? "" : afterName, limit);
    }

    @Override
    public void update(WorkGroup workGroup) {
        database.execute("UPDATE work_groups SET state = ?, description = ?, configuration = ? WHERE name = ?",
                workGroup.state().name(), workGroup.description(), workGroup.configuration().toString(), workGroup.name());
    }

    @Override
    public Deletion delete(String name, boolean recursive) {
        return database.inTransaction(() -> {
            if (!recursive && database.queryOne("SELECT (SELECT COUNT(*) FROM sessions WHERE work_group = ?) "
                    + "+ (SELECT COUNT(*) FROM query_executions WHERE work_group = ?) + (SELECT COUNT(*) FROM named_queries WHERE work_group = ?) "
                    + "+ (SELECT COUNT(*) FROM notebooks WHERE work_group = ?)",
                    row -> row.getInt(1), name, name, name, name).orElse(0) > 0) {
                return Deletion.NOT_EMPTY;
            }
            if (recursive) {
                database.execute("DELETE FROM query_executions WHERE work_group = ?", name);
                database.execute("DELETE FROM named_queries WHERE work_group = ?", name);
                database.execute("DELETE FROM notebooks WHERE work_group = ?", name);
                database.execute("DELETE FROM prepared_statements WHERE work_group = ?", name);
                database.execute("DELETE FROM calculation_spark_jobs WHERE session_id IN (SELECT session_id FROM sessions WHERE work_group = ?)",
                        name);
                database.execute("DELETE FROM calculations WHERE session_id IN (SELECT session_id FROM sessions WHERE work_group = ?)", name);
                // the sessions' tags (TaggedResource.session: "session/<session-id>"), which go with them
                database.execute("DELETE FROM tags WHERE resource IN (SELECT '" + TaggedResource.SESSION + "/' || session_id FROM sessions "
                        + "WHERE work_group = ?)", name);
                database.execute("DELETE FROM sessions WHERE work_group = ?", name);
            }
            database.execute("DELETE FROM tags WHERE resource = ?", TaggedResource.workGroup(name).key());
            database.execute("DELETE FROM capacity_assignments WHERE work_group = ?", name);
            return database.execute("DELETE FROM work_groups WHERE name = ?", name) > 0 ? Deletion.DELETED : Deletion.NOT_FOUND;
        });
    }

    private static WorkGroup workGroup(ResultSet row) throws SQLException {
        return new WorkGroup(row.getString(1), WorkGroupState.valueOf(row.getString(2)), row.getString(3),
                StoredJson.object(row.getString(4), "configuration of workgroup " + row.getString(1)), Instant.ofEpochMilli(row.getLong(5)));
    }
}
