package io.noctua.tags;

import io.noctua.api.InvalidRequestException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * An Athena resource named by its ARN, {@code arn:<partition>:athena:<region>:<account>:<type>/<name>}, where the type is
 * {@code workgroup}, {@code datacatalog}, {@code capacity-reservation} or {@code session}: what tags are kept on, and what
 * GetResourceDashboard is asked about. Athena documents no ARN form for sessions; Noctua's is
 * {@code arn:aws:athena:<region>:<account>:session/<session-id>} (session ids are unique across workgroups). Noctua serves
 * one account in every region, so a resource is its type and name: the region and account of the ARN are checked for form
 * only, and the same workgroup is named by an ARN of any region.
 */
public record TaggedResource(String type, String name) {
    public static final String WORK_GROUP = "workgroup";
    public static final String DATA_CATALOG = "datacatalog";
    public static final String CAPACITY_RESERVATION = "capacity-reservation";
    public static final String SESSION = "session";

    private static final Pattern ARN = Pattern.compile(
            "arn:aws[a-z-]*:athena:[a-z0-9-]*:[0-9]*:(" + WORK_GROUP + "|" + DATA_CATALOG + "|" + CAPACITY_RESERVATION + "|" + SESSION + ")/(.+)");

    public TaggedResource {
        requireNonNull(type, "type is null");
        requireNonNull(name, "name is null");
    }

    public static TaggedResource workGroup(String name) {
        return new TaggedResource(WORK_GROUP, name);
    }

    public static TaggedResource session(String sessionId) {
        return new TaggedResource(SESSION, sessionId);
    }

    /** The resource of {@code arn}; an ARN of another form or service is an InvalidRequestException that shows the form. */
    public static TaggedResource parse(String arn) {
        Matcher matcher = ARN.matcher(arn);
        if (!matcher.matches()) {
            throw new InvalidRequestException("ResourceARN " + arn + " is not the ARN of an Athena workgroup, data catalog, capacity "
                    + "reservation or session: expected arn:aws:athena:<region>:<account-id>:workgroup/<name> (or datacatalog/<name>, "
                    + "capacity-reservation/<name>, session/<session-id>)");
        }
        return new TaggedResource(matcher.group(1), matcher.group(2));
    }

    /** How the store keys the resource's tags. */
    public String key() {
        return type + "/" + name;
    }
}
