package io.noctua.testing.fakes;

import io.noctua.tags.TagStore;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Tags in a map, for unit tests of what uses them. */
public final class InMemoryTagStore implements TagStore {
    private final Map<String, SortedMap<String, String>> tags = new HashMap<>();

    @Override
    public synchronized SortedMap<String, String> tags(String resource) {
        return new TreeMap<>(tags.getOrDefault(resource, new TreeMap<>()));
    }

    @Override
    public synchronized boolean tag(String resource, Map<String, String> added, int max) {
        SortedMap<String, String> after = tags(resource);
        after.putAll(added);
        if (after.size() > max) {
            return false;
        }
        tags.put(resource, after);
        return true;
    }

    @Override
    public synchronized void untag(String resource, Collection<String> keys) {
        tags.getOrDefault(resource, new TreeMap<>()).keySet().removeAll(keys);
    }
}
