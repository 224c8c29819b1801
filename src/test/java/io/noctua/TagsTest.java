package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ListTagsForResourceResponse;
import software.amazon.awssdk.services.athena.model.ResourceNotFoundException;
import software.amazon.awssdk.services.athena.model.SessionState;
import software.amazon.awssdk.services.athena.model.StartSessionRequest;
import software.amazon.awssdk.services.athena.model.Tag;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TagResource, UntagResource, ListTagsForResource, CreateWorkGroup's and StartSession's Tags, through the AWS SDK for Java v2. */
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
        for (String bad : List.of("workgroup/primary", "arn:aws:s3:::bucket", "arn:aws:athena:us-east-1:123456789012:notebook/x",
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

    // ---- sessions

    private String newSparkWorkGroup(Tag... tags) {
        String name = "tagged-spark-" + UUID.randomUUID().toString().substring(0, 8);
        athena.createWorkGroup(r -> r.name(name).tags(tags).configuration(c -> c
                .engineVersion(v -> v.selectedEngineVersion("PySpark engine version 3")).executionRole("arn:aws:iam::123456789012:role/tags")));
        return name;
    }

    private String startSession(java.util.function.Consumer<StartSessionRequest.Builder> request) {
        return athena.startSession(r -> {
            r.engineConfiguration(e -> e.maxConcurrentDpus(2));
            request.accept(r);
        }).sessionId();
    }

    @Test
    void aSessionKeepsItsTagsAndMayCopyItsWorkGroups() {
        String workGroup = newSparkWorkGroup(tag("team", "data"), tag("env", "dev"));

        String copied = startSession(r -> r.workGroup(workGroup).tags(tag("env", "prod"), tag("owner", "ana")).copyWorkGroupTags(true));
        assertEquals(List.of(tag("env", "prod"), tag("owner", "ana"), tag("team", "data")), tags(arn("session", copied)),
                "the session's own tag wins on a key its workgroup has too");
        String own = startSession(r -> r.workGroup(workGroup).tags(tag("owner", "bo")));
        assertEquals(List.of(tag("owner", "bo")), tags(arn("session", own)));
        String none = startSession(r -> r.workGroup(workGroup).copyWorkGroupTags(false));
        assertEquals(List.of(), tags(arn("session", none)));
        String onlyCopied = startSession(r -> r.workGroup(workGroup).copyWorkGroupTags(true));
        assertEquals(List.of(tag("env", "dev"), tag("team", "data")), tags(arn("session", onlyCopied)));
        // copies, not links: the workgroup's later tags are its own
        athena.tagResource(r -> r.resourceARN(arn("workgroup", workGroup)).tags(tag("later", "1")));
        assertEquals(List.of(tag("env", "dev"), tag("team", "data")), tags(arn("session", onlyCopied)));

        // tagged, untagged and listed by its ARN while it lives and after it ended
        String session = arn("session", own);
        athena.tagResource(r -> r.resourceARN(session).tags(tag("stage", "live")));
        athena.terminateSession(r -> r.sessionId(own));
        Athena.awaitSession(athena, own, SessionState.TERMINATED);
        athena.tagResource(r -> r.resourceARN(session).tags(tag("stage", "ended")));
        athena.untagResource(r -> r.resourceARN(session).tagKeys("owner"));
        assertEquals(List.of(tag("stage", "ended")), tags(session));

        for (String sessionId : List.of(copied, none, onlyCopied)) {
            athena.terminateSession(r -> r.sessionId(sessionId));
        }
        athena.deleteWorkGroup(r -> r.workGroup(workGroup).recursiveDeleteOption(true));
        assertThrows(ResourceNotFoundException.class, () -> tags(session), "a session deleted with its workgroup has no tags left");
    }

    @Test
    void aSessionsTagsFollowAwsRulesBeforeItIsMade() {
        List<Tag> thirty = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            thirty.add(tag(String.format("w%02d", i), "v"));
        }
        String workGroup = newSparkWorkGroup(thirty.toArray(Tag[]::new));
        List<Tag> twentyOne = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            twentyOne.add(tag(String.format("s%02d", i), "v"));
        }
        InvalidRequestException tooMany = assertThrows(InvalidRequestException.class,
                () -> startSession(r -> r.workGroup(workGroup).tags(twentyOne).copyWorkGroupTags(true)));
        assertTrue(tooMany.awsErrorDetails().errorMessage().contains("at most 50 tags"), tooMany.awsErrorDetails().errorMessage());
        InvalidRequestException reserved = assertThrows(InvalidRequestException.class,
                () -> startSession(r -> r.workGroup(workGroup).tags(tag("aws:reserved", "x"))));
        assertTrue(reserved.awsErrorDetails().errorMessage().startsWith("Tag key aws:reserved"), reserved.awsErrorDetails().errorMessage());
        assertEquals(List.of(), athena.listSessions(r -> r.workGroup(workGroup)).sessions(), "a refused StartSession makes no session");

        // 30 copied and 20 of its own, one of them over a copied key: 49 in all
        List<Tag> twenty = new ArrayList<>(twentyOne.subList(0, 19));
        twenty.add(tag("w00", "own"));
        String sessionId = startSession(r -> r.workGroup(workGroup).tags(twenty).copyWorkGroupTags(true));
        List<Tag> listed = athena.listTagsForResource(r -> r.resourceARN(arn("session", sessionId)).maxResults(75)).tags();
        assertEquals(49, listed.size());
        assertTrue(listed.contains(tag("w00", "own")), listed.toString());
        athena.terminateSession(r -> r.sessionId(sessionId));
    }

    @Test
    void aRepeatedStartSessionWithItsTokenTagsNothingTwice() {
        String workGroup = newSparkWorkGroup(tag("team", "data"));
        String token = UUID.randomUUID().toString();
        String first = startSession(r -> r.workGroup(workGroup).clientRequestToken(token).tags(tag("owner", "ana")).copyWorkGroupTags(true));
        athena.untagResource(r -> r.resourceARN(arn("session", first)).tagKeys("team"));
        assertEquals(first, startSession(r -> r.workGroup(workGroup).clientRequestToken(token).tags(tag("owner", "ana")).copyWorkGroupTags(true)));
        assertEquals(List.of(tag("owner", "ana")), tags(arn("session", first)), "the repeat changed the first session's tags");
        InvalidRequestException mismatch = assertThrows(InvalidRequestException.class,
                () -> startSession(r -> r.workGroup(workGroup).clientRequestToken(token).tags(tag("owner", "bo")).copyWorkGroupTags(true)));
        assertEquals("Idempotent parameters do not match", mismatch.awsErrorDetails().errorMessage());
        athena.terminateSession(r -> r.sessionId(first));
    }

    @Test
    void anUnknownSessionHasNoTags() {
        String unknown = UUID.randomUUID().toString();
        ResourceNotFoundException e = assertThrows(ResourceNotFoundException.class, () -> tags(arn("session", unknown)));
        assertEquals("Session " + unknown + " is not found.", e.awsErrorDetails().errorMessage());
        assertThrows(ResourceNotFoundException.class, () -> athena.tagResource(r -> r.resourceARN(arn("session", unknown)).tags(tag("a", "b"))));
        assertThrows(ResourceNotFoundException.class, () -> athena.untagResource(r -> r.resourceARN(arn("session", unknown)).tagKeys("a")));
    }
}
