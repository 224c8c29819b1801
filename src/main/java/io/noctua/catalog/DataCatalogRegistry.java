package io.noctua.catalog;

import io.noctua.api.CatalogShapes.CreateDataCatalogRequest;
import io.noctua.api.CatalogShapes.UpdateDataCatalogRequest;
import io.noctua.api.InvalidRequestException;
import io.noctua.tags.TagService;
import io.noctua.tags.TaggedResource;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The data catalogs made with CreateDataCatalog, checked as Athena checks them, and kept as records. Noctua reads and
 * queries one catalog, AwsDataCatalog (its own metastore); a LAMBDA, GLUE or HIVE catalog made here is listed, returned,
 * tagged, updated and deleted, and a query or a metadata call that names it fails and says why. FEDERATED catalogs, which
 * Athena makes from a Glue connection and a Lambda it deploys, are refused.
 * <ul>
 *   <li>LAMBDA: {@code function}, or {@code metadata-function} and {@code record-function}, each a Lambda function ARN.</li>
 *   <li>GLUE: {@code catalog-id}, the 12-digit account id of the Glue Data Catalog.</li>
 *   <li>HIVE: {@code metadata-function}, a Lambda function ARN, and optionally {@code sdk-version}.</li>
 * </ul>
 */
public final class DataCatalogRegistry {
    /** Athena's rule for a new catalog's name. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_@-]{1,127}");
    private static final Pattern LAMBDA_ARN = Pattern.compile("arn:aws[a-z-]*:lambda:[a-z0-9-]+:\\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?");
    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
    private static final Set<String> TYPES = Set.of("LAMBDA", "GLUE", "HIVE");

    private final DataCatalogStore store;
    private final TagService tags;
    private final Clock clock;

    public DataCatalogRegistry(DataCatalogStore store, TagService tags, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.tags = requireNonNull(tags, "tags is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    DataCatalogDefinition create(CreateDataCatalogRequest request) {
        String name = request.name();
        if (DataCatalogService.CATALOG.equalsIgnoreCase(name)) {
            throw new InvalidRequestException("Data catalog " + DataCatalogService.CATALOG + " already exists: it is Noctua's own catalog");
        }
        if (!NAME.matcher(name).matches()) {
            throw new InvalidRequestException("Data catalog name " + name + " is not valid: up to 127 letters, digits, underscores, at signs or hyphens");
        }
        Map<String, String> parameters = checked(request.type(), request.parameters());
        Map<String, String> checkedTags = tags.checked(request.tags());
        DataCatalogDefinition definition = new DataCatalogDefinition(name, request.type(), request.description(), parameters,
                clock.instant());
        if (!store.insert(definition)) {
            throw new InvalidRequestException("Data catalog " + name + " already exists");
        }
        tags.tagNew(new TaggedResource(TaggedResource.DATA_CATALOG, name), checkedTags);
        return definition;
    }

    void update(UpdateDataCatalogRequest request) {
        if (DataCatalogService.CATALOG.equalsIgnoreCase(request.name())) {
            throw new InvalidRequestException("Data catalog " + DataCatalogService.CATALOG + " is Noctua's own catalog and cannot be changed");
        }
        DataCatalogDefinition current = existing(request.name());
        Map<String, String> parameters = checked(request.type(), request.parameters());
        store.update(new DataCatalogDefinition(current.name(), request.type(), request.description(), parameters,
                current.creationTime()));
    }

    DataCatalogDefinition delete(String name) {
        if (DataCatalogService.CATALOG.equalsIgnoreCase(name)) {
            throw new InvalidRequestException("Data catalog " + DataCatalogService.CATALOG + " is Noctua's own catalog and cannot be deleted");
        }
        DataCatalogDefinition current = existing(name);
        store.delete(name);
        return current;
    }

    List<DataCatalogDefinition> list(String afterName, int limit) {
        return store.list(afterName, limit);
    }

    DataCatalogDefinition existing(String name) {
        return store.get(name).orElseThrow(() -> new InvalidRequestException("Catalog " + name + " was not found."));
    }

    /**
     * Why a query or a metadata call cannot use a catalog other than AwsDataCatalog: the sentence for a catalog made with
     * CreateDataCatalog, or null for an unknown one (the caller says it does not exist).
     */
    public String notQueryable(String name) {
        Optional<DataCatalogDefinition> stored = store.get(name);
        return stored.map(catalog -> "Data catalog " + catalog.name() + " (" + catalog.type() + ") is kept by Noctua as a record only: "
                + "Noctua reads and queries " + DataCatalogService.CATALOG + ", its own metastore, and cannot reach a "
                + catalog.type() + " catalog").orElse(null);
    }

    private static Map<String, String> checked(String type, Map<String, String> given) {
        Map<String, String> parameters = given == null ? Map.of() : given;
        if ("FEDERATED".equals(type)) {
            throw new InvalidRequestException("Noctua does not make FEDERATED data catalogs: Athena makes them from a Glue connection and "
                    + "a Lambda function it deploys. LAMBDA, GLUE and HIVE catalogs can be made");
        }
        if (!TYPES.contains(type)) {
            throw new InvalidRequestException("Type " + type + " is not a data catalog type: LAMBDA, GLUE, HIVE or FEDERATED");
        }
        switch (type) {
            case "LAMBDA" -> {
                boolean single = parameters.containsKey("function");
                boolean pair = parameters.containsKey("metadata-function") && parameters.containsKey("record-function");
                if (single == pair) {
                    throw new InvalidRequestException("A LAMBDA data catalog takes either function=<Lambda ARN>, or both "
                            + "metadata-function=<Lambda ARN> and record-function=<Lambda ARN>");
                }
                for (String key : List.of("function", "metadata-function", "record-function")) {
                    requireLambda(parameters, key);
                }
                onlyKeys(type, parameters, Set.of("function", "metadata-function", "record-function"));
            }
            case "GLUE" -> {
                String catalogId = parameters.get("catalog-id");
                if (catalogId == null || !ACCOUNT_ID.matcher(catalogId).matches()) {
                    throw new InvalidRequestException("A GLUE data catalog takes catalog-id=<the 12-digit account id of the Glue Data Catalog>; got "
                            + catalogId);
                }
                onlyKeys(type, parameters, Set.of("catalog-id"));
            }
            default -> { // HIVE
                if (!parameters.containsKey("metadata-function")) {
                    throw new InvalidRequestException("A HIVE data catalog takes metadata-function=<Lambda ARN>, and optionally sdk-version");
                }
                requireLambda(parameters, "metadata-function");
                onlyKeys(type, parameters, Set.of("metadata-function", "sdk-version"));
            }
        }
        return parameters;
    }

    private static void requireLambda(Map<String, String> parameters, String key) {
        String value = parameters.get(key);
        if (value != null && !LAMBDA_ARN.matcher(value).matches()) {
            throw new InvalidRequestException("Parameter " + key + " must be a Lambda function ARN "
                    + "(arn:aws:lambda:<region>:<account-id>:function:<name>); got " + value);
        }
    }

    private static void onlyKeys(String type, Map<String, String> parameters, Set<String> allowed) {
        for (String key : parameters.keySet()) {
            if (!allowed.contains(key)) {
                throw new InvalidRequestException("Parameter " + key + " is not one a " + type + " data catalog takes: "
                        + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }
}
