package io.noctua.store;

import io.noctua.workgroup.WorkGroup;

import java.util.List;
import java.util.Optional;

public interface WorkGroupStore {
    /** Inserts; false when a workgroup of that name exists. */
    boolean insert(WorkGroup workGroup);

    Optional<WorkGroup> get(String name);

    /** Names in ascending order, starting after {@code afterName} (null: from the first). */
    List<WorkGroup> list(String afterName, int limit);

    void update(WorkGroup workGroup);

    /**
     * Deletes the workgroup and, when {@code recursive}, its sessions and calculations; without
     * {@code recursive}, throws {@code WorkGroupNotEmptyException} if it has sessions.
     */
    boolean delete(String name, boolean recursive);
}
