package io.noctua.workgroup;

import java.util.List;
import java.util.Optional;

/** Where workgroups are kept. */
public interface WorkGroupStore {
    /** Inserts; false when a workgroup of that name exists. */
    boolean insert(WorkGroup workGroup);

    Optional<WorkGroup> get(String name);

    /** Names in ascending order, starting after {@code afterName} (null: from the first). */
    List<WorkGroup> list(String afterName, int limit);

    void update(WorkGroup workGroup);

    /** What a delete did. */
    enum Deletion {
        DELETED,
        NOT_FOUND,
        /** Nothing deleted: the workgroup has sessions, and the delete was not recursive. */
        NOT_EMPTY
    }

    /** Deletes the workgroup and, when {@code recursive}, its sessions and calculations, in one transaction. */
    Deletion delete(String name, boolean recursive);
}
