package io.noctua.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.api.WorkGroupState;
import io.noctua.protocol.JsonCodec;
import io.noctua.workgroup.WorkGroup;
import io.noctua.workgroup.WorkGroupService;

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
        return database.inTransaction(() -> {
            if (get(workGroup.name()).isPresent()) {
                return false;
            }
            database.execute("INSERT INTO work_groups (name, state, description, configuration, creation_time) VALUES (?, ?, ?, ?, ?)",
                workGroup.name(), workGroup.state().name(), workGroup.description(), workGroup.configuration().toString(),
                workGroup.creationTime().toEpochMilli());
            return true;
        });
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
    public boolean delete(String name, boolean recursive) {
        return database.inTransaction(() -> {
            if (!recursive && database.queryOne("SELECT COUNT(*) FROM sessions WHERE work_group = ?", row -> row.getInt(1), name).orElse(0) > 0) {
                throw new WorkGroupService.WorkGroupNotEmptyException();
            }
            if (recursive) {
                database.execute("DELETE FROM calculations WHERE session_id IN (SELECT session_id FROM sessions WHERE work_group = ?)", name);
                database.execute("DELETE FROM sessions WHERE work_group = ?", name);
            }
            return database.execute("DELETE FROM work_groups WHERE name = ?", name) > 0;
        });
    }

    private static WorkGroup workGroup(ResultSet row) throws SQLException {
        try {
            return new WorkGroup(row.getString(1), WorkGroupState.valueOf(row.getString(2)), row.getString(3),
                    (ObjectNode) JsonCodec.mapper().readTree(row.getString(4)), Instant.ofEpochMilli(row.getLong(5)));
        }
        catch (JsonProcessingException e) {
            throw new SQLException("stored configuration of workgroup " + row.getString(1) + " is not JSON", e);
        }
    }
}
