package io.noctua.testing.fakes;

import io.noctua.workgroup.WorkGroup;
import io.noctua.workgroup.WorkGroupStore;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Workgroups in a map. */
public final class InMemoryWorkGroupStore implements WorkGroupStore {
    private final Map<String, WorkGroup> workGroups = new TreeMap<>();

    @Override
    public synchronized boolean insert(WorkGroup workGroup) {
        return workGroups.putIfAbsent(workGroup.name(), workGroup) == null;
    }

    @Override
    public synchronized Optional<WorkGroup> get(String name) {
        return Optional.ofNullable(workGroups.get(name));
    }

    @Override
    public synchronized List<WorkGroup> list(String afterName, int limit) {
        return workGroups.values().stream().filter(w -> afterName == null || w.name().compareTo(afterName) > 0).limit(limit).toList();
    }

    @Override
    public synchronized void update(WorkGroup workGroup) {
        workGroups.put(workGroup.name(), workGroup);
    }

    @Override
    public synchronized Deletion delete(String name, boolean recursive) {
        return workGroups.remove(name) == null ? Deletion.NOT_FOUND : Deletion.DELETED;
    }
}
