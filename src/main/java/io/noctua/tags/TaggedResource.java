package io.noctua.tags;

import io.noctua.api.InvalidRequestException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A resource Athena tags, named by its ARN: {@code arn:<partition>:athena:<region>:<account>:<type>/<name>}, where the
 * type is {@code workgroup}, {@code datacatalog} or {@code capacity-reservation}. Noctua serves one account in every
 * region, so a resource is its type and name: the region and account of the ARN are checked for form only, and the same
 * workgroup is tagged through an ARN of any region.
 */
public record TaggedResource(String type, String name) {
    public static final String WORK_GROUP = "workgroup";
    public static final String DATA_CATALOG = "datacatalog";
    public static final String CAPACITY_RESERVATION = "capacity-reservation";

    private static final Pattern ARN = Pattern.compile(
            "arn:aws[a-z-]*:athena:[a-z0-9-]*:[0-9]*:(" + WORK_GROUP + "|" + DATA_CATALOG + "|" + CAPACITY_RESERVATION + ")/(.+)");

    public TaggedResource {
        requireNonNull(type, "type is null");
        requireNonNull(name, "name is null");
    }

    public static TaggedResource workGroup(String name) {
        return new TaggedResource(WORK_GROUP, name);
    }

    /** The resource of {@code arn}; an ARN of another form or service is an InvalidRequestException that shows the form. */
    public static TaggedResource parse(String arn) {
        Matcher matcher = ARN.matcher(arn);
        if (!matcher.matches()) {
            throw new InvalidRequestException("ResourceARN " + arn + " is not the ARN of an Athena workgroup, data catalog or capacity "
                    + "reservation: expected arn:aws:athena:<region>:<account-id>:workgroup/<name> (or datacatalog/<name>, "
                    + "capacity-reservation/<name>)");
        }
        return new TaggedResource(matcher.group(1), matcher.group(2));
    }

    /** How the store keys the resource's tags. */
    public String key() {
        return type + "/" + name;
    }
}
