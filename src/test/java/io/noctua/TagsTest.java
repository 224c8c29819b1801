package io.noctua;

import io.noctua.testing.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ListTagsForResourceResponse;
import software.amazon.awssdk.services.athena.model.ResourceNotFoundException;
import software.amazon.awssdk.services.athena.model.Tag;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TagResource, UntagResource, ListTagsForResource and CreateWorkGroup's Tags, through the AWS SDK for Java v2. */
class TagsTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final AthenaClient athena = running.client();

    private static String arn(String type, String name) {
        return "arn:aws:athena:us-east-1:123456789012:" + type + "/" + name;
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }

    private String newWorkGroup(Tag... tags) {
        String name = "tags-" + UUID.randomUUID().toString().substring(0, 8);
        athena.createWorkGroup(r -> r.name(name).tags(tags));
        return name;
    }

    private List<Tag> tags(String arn) {
        return athena.listTagsForResource(r -> r.resourceARN(arn)).tags();
    }

    @Test
    void aWorkGroupKeepsTheTagsItWasCreatedWithAndTheChangesMadeToThem() {
        String name = newWorkGroup(tag("team", "data"), tag("env", "dev"), tag("empty", ""));
        String arn = arn("workgroup", name);
        assertEquals(List.of(tag("empty", ""), tag("env", "dev"), tag("team", "data")), tags(arn)); // in key order

        athena.tagResource(r -> r.resourceARN(arn).tags(tag("env", "prod"), tag("Env", "case counts"), tag("cost center", "a/b=c+d@e.f:g-h_i")));
        athena.untagResource(r -> r.resourceARN(arn).tagKeys("team", "never-there"));
        assertEquals(List.of(tag("Env", "case counts"), tag("cost center", "a/b=c+d@e.f:g-h_i"), tag("empty", ""), tag("env", "prod")), tags(arn));
        // Noctua is one account in every region: the workgroup's ARN in another region names the same workgroup
        assertEquals(tags(arn), tags("arn:aws:athena:eu-west-1:123456789012:workgroup/" + name));

        athena.deleteWorkGroup(r -> r.workGroup(name).recursiveDeleteOption(true));
        assertThrows(ResourceNotFoundException.class, () -> tags(arn));
        athena.createWorkGroup(r -> r.name(name));
        assertEquals(List.of(), tags(arn), "a workgroup made again under the name of a deleted one has none of its tags");
    }

    @Test
    void fiftyTagsAtMostAndNothingOfARefusedCallIsKept() {
        String arn = arn("workgroup", newWorkGroup());
        List<Tag> fifty = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fifty.add(tag(String.format("k%02d", i), "v" + i));
        }
        athena.tagResource(r -> r.resourceARN(arn).tags(fifty));
        InvalidRequestException more = assertThrows(InvalidRequestException.class,
                () -> athena.tagResource(r -> r.resourceARN(arn).tags(tag("k00", "replaced"), tag("one-more", "x"))));
        assertTrue(more.awsErrorDetails().errorMessage().contains("50"), more.awsErrorDetails().errorMessage());
        ListTagsForResourceResponse listed = athena.listTagsForResource(r -> r.resourceARN(arn).maxResults(75));
        assertEquals(fifty, listed.tags());
        assertNull(listed.nextToken());

        List<Tag> fiftyOne = new ArrayList<>(fifty);
        fiftyOne.add(tag("k50", "x"));
        assertThrows(InvalidRequestException.class, () -> athena.createWorkGroup(r -> r.name("too-many-" + UUID.randomUUID()).tags(fiftyOne)));
    }

    @Test
    void tagsBreakingAwsRulesAreRefused() {
        String arn = arn("workgroup", newWorkGroup(tag("kept", "1")));
        for (List<Tag> bad : List.of(List.of(tag("aws:reserved", "x")), List.of(tag("AWS:Reserved", "x")), List.of(tag("dup", "1"), tag("dup", "2")),
                List.of(tag("semi;colon", "x")), List.of(tag("ok", "no<angle>")))) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> athena.tagResource(r -> r.resourceARN(arn).tags(bad)),
                    bad.toString());
            assertTrue(e.awsErrorDetails().errorMessage().startsWith("Tag"), e.awsErrorDetails().errorMessage());
        }
        assertEquals(List.of(tag("kept", "1")), tags(arn));
        assertThrows(InvalidRequestException.class, () -> athena.createWorkGroup(r -> r.name("reserved-" + UUID.randomUUID().toString().substring(0, 8))
                .tags(tag("aws:cloudformation:stack-name", "x"))));
    }

    @Test
    void resourcesAreNamedByTheirAthenaArn() {
        ResourceNotFoundException unknown = assertThrows(ResourceNotFoundException.class, () -> tags(arn("workgroup", "no-such-workgroup")));
        assertEquals("WorkGroup no-such-workgroup is not found.", unknown.awsErrorDetails().errorMessage());
        assertThrows(ResourceNotFoundException.class, () -> athena.tagResource(r -> r.resourceARN(arn("capacity-reservation", "none")).tags(tag("a", "b"))));
        for (String bad : List.of("workgroup/primary", "arn:aws:s3:::bucket", "arn:aws:athena:us-east-1:123456789012:session/x",
                "arn:aws:athena:us-east-1:123456789012:workgroup/")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> tags(bad), bad);
            assertTrue(e.awsErrorDetails().errorMessage().contains("arn:aws:athena:<region>:<account-id>:workgroup/<name>"),
                    e.awsErrorDetails().errorMessage());
        }
        assertThrows(InvalidRequestException.class, () -> athena.listTagsForResource(r -> r.resourceARN(arn("workgroup", "primary")).nextToken("garbage")));

        // the one data catalog
        String catalog = arn("datacatalog", "AwsDataCatalog");
        athena.tagResource(r -> r.resourceARN(catalog).tags(tag("catalog", "yes")));
        assertEquals(List.of(tag("catalog", "yes")), tags(catalog));
        athena.untagResource(r -> r.resourceARN(catalog).tagKeys("catalog"));
        assertEquals(List.of(), tags(catalog));
    }
}
