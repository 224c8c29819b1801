package io.noctua.tags;

import io.noctua.api.InvalidRequestException;
import io.noctua.api.PageTokens;
import io.noctua.api.ResourceNotFoundException;
import io.noctua.api.TagShapes.ListTagsForResourceInput;
import io.noctua.api.TagShapes.ListTagsForResourceOutput;
import io.noctua.api.TagShapes.TagResourceInput;
import io.noctua.api.TagShapes.TagResourceOutput;
import io.noctua.api.TagShapes.UntagResourceInput;
import io.noctua.api.TagShapes.UntagResourceOutput;
import io.noctua.api.WorkGroupShapes.Tag;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Athena's tags: TagResource, UntagResource and ListTagsForResource on workgroups, data catalogs, capacity reservations
 * and sessions, and the tags a resource is created with (a session's may be copied from its workgroup's). AWS's tag
 * rules hold: at most 50 tags a resource, keys unique and case-sensitive, none starting with {@code aws:}, keys and
 * values of letters, digits, spaces and {@code _.:/=+-@}.
 */
public final class TagService {
    public static final int MAX_TAGS = 50;
    private static final Pattern ALLOWED = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");

    private final TagStore store;
    private final Predicate<TaggedResource> exists;

    /** {@code exists} says whether a resource is there to be tagged. */
    public TagService(TagStore store, Predicate<TaggedResource> exists) {
        this.store = requireNonNull(store, "store is null");
        this.exists = requireNonNull(exists, "exists is null");
    }

    public TagResourceOutput tagResource(TagResourceInput input) {
        TaggedResource resource = existing(input.resourceARN());
        Map<String, String> tags = checked(input.tags());
        if (!store.tag(resource.key(), tags, MAX_TAGS)) {
            throw new InvalidRequestException("Tags would exceed the limit of " + MAX_TAGS + " tags for resource " + input.resourceARN()
                    + ": it has " + store.tags(resource.key()).size());
        }
        return new TagResourceOutput();
    }

    public UntagResourceOutput untagResource(UntagResourceInput input) {
        TaggedResource resource = existing(input.resourceARN());
        store.untag(resource.key(), input.tagKeys() == null ? List.of() : input.tagKeys());
        return new UntagResourceOutput();
    }

    /** In key order; without MaxResults, all of them (there are 50 at most). */
    public ListTagsForResourceOutput listTagsForResource(ListTagsForResourceInput input) {
        TaggedResource resource = existing(input.resourceARN());
        String listing = "tags:" + resource.key();
        String after = PageTokens.decode(listing, input.nextToken());
        SortedMap<String, String> all = store.tags(resource.key());
        SortedMap<String, String> rest = after == null ? all : all.tailMap(after + "\0");
        int limit = input.maxResults() == null ? Integer.MAX_VALUE : input.maxResults();
        List<Tag> page = new ArrayList<>();
        for (Map.Entry<String, String> tag : rest.entrySet()) {
            if (page.size() == limit) {
                break;
            }
            page.add(new Tag(tag.getKey(), tag.getValue()));
        }
        String next = page.size() < rest.size() ? PageTokens.encode(listing, page.get(page.size() - 1).key()) : null;
        return new ListTagsForResourceOutput(page, next);
    }

    /**
     * The tags of a call, by key, once checked against AWS's rules (a key twice, a reserved {@code aws:} key, a character
     * tags may not hold, more than 50): what a resource made with tags is checked with before it is made.
     */
    public Map<String, String> checked(List<Tag> tags) {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (Tag tag : tags == null ? List.<Tag>of() : tags) {
            String key = tag.key();
            String value = tag.value() == null ? "" : tag.value();
            if (key == null || key.isEmpty()) {
                throw new InvalidRequestException("A tag key must have 1 to 128 characters");
            }
            if (key.toLowerCase(Locale.ROOT).startsWith("aws:")) {
                throw new InvalidRequestException("Tag key " + key + " starts with aws:, which is reserved for AWS's own tags");
            }
            if (!ALLOWED.matcher(key).matches() || !ALLOWED.matcher(value).matches()) {
                throw new InvalidRequestException("Tag " + key + " has a character tags may not hold: keys and values are letters, "
                        + "digits, spaces and _ . : / = + - @");
            }
            if (byKey.put(key, value) != null) {
                throw new InvalidRequestException("Tag key " + key + " is given twice");
            }
        }
        if (byKey.size() > MAX_TAGS) {
            throw new InvalidRequestException("A resource has at most " + MAX_TAGS + " tags; the request gives " + byKey.size());
        }
        return byKey;
    }

    /** A resource's tags, by key in byte order. */
    public SortedMap<String, String> tagsOf(TaggedResource resource) {
        return store.tags(resource.key());
    }

    /**
     * The tags of a resource made with {@code own} ({@link #checked}) and a copy of {@code copied} (StartSession's
     * CopyWorkGroupTags): its own win on a key both have; at most 50 in all.
     */
    public Map<String, String> withCopies(Map<String, String> copied, Map<String, String> own) {
        Map<String, String> all = new LinkedHashMap<>(copied);
        all.putAll(own);
        if (all.size() > MAX_TAGS) {
            throw new InvalidRequestException("A resource has at most " + MAX_TAGS + " tags; with the " + copied.size()
                    + " tags copied from the workgroup (CopyWorkGroupTags) and the " + own.size() + " given, it would have " + all.size());
        }
        return all;
    }

    /** Stores the tags a resource was just made with, {@link #checked} before it was made. */
    public void tagNew(TaggedResource resource, Map<String, String> checked) {
        if (!checked.isEmpty() && !store.tag(resource.key(), checked, MAX_TAGS)) {
            throw new InvalidRequestException("A resource has at most " + MAX_TAGS + " tags");
        }
    }

    private TaggedResource existing(String arn) {
        TaggedResource resource = TaggedResource.parse(arn);
        if (!exists.test(resource)) {
            String kind = switch (resource.type()) {
                case TaggedResource.WORK_GROUP -> "WorkGroup";
                case TaggedResource.DATA_CATALOG -> "Data catalog";
                case TaggedResource.SESSION -> "Session";
                default -> "Capacity reservation";
            };
            throw new ResourceNotFoundException(kind + " " + resource.name() + " is not found.", resource.name());
        }
        return resource;
    }
}
