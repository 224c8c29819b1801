package io.noctua.tags;

import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;

/** The tags of resources, by {@link TaggedResource#key()}. */
public interface TagStore {
    /** The resource's tags, by key in byte order. */
    SortedMap<String, String> tags(String resource);

    /**
     * Adds {@code tags} to the resource's, replacing the values of keys it has; does nothing and answers false if the
     * resource would then have more than {@code max} tags.
     */
    boolean tag(String resource, Map<String, String> tags, int max);

    /** Removes the resource's tags of {@code keys}; keys it does not have are no error. */
    void untag(String resource, Collection<String> keys);
}
