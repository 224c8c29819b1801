package io.noctua.api;

import io.noctua.api.WorkGroupShapes.Tag;

import java.util.List;

/** The inputs and outputs of TagResource, UntagResource and ListTagsForResource. */
public final class TagShapes {
    private TagShapes() {
    }

    public record TagResourceInput(String resourceARN, List<Tag> tags) {
    }

    public record TagResourceOutput() {
    }

    public record UntagResourceInput(String resourceARN, List<String> tagKeys) {
    }

    public record UntagResourceOutput() {
    }

    public record ListTagsForResourceInput(String resourceARN, String nextToken, Integer maxResults) {
    }

    public record ListTagsForResourceOutput(List<Tag> tags, String nextToken) {
    }
}
