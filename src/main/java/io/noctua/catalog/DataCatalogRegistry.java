package io.noctua.catalog;

import io.noctua.api.CatalogShapes.CreateDataCatalogRequest;
import io.noctua.api.CatalogShapes.UpdateDataCatalogRequest;
import io.noctua.api.InvalidRequestException;
import io.noctua.engine.hive.RemoteCatalogs;
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
 * The data catalogs made with CreateDataCatalog, checked as Athena checks them, and kept. Noctua queries its own catalog,
 * AwsDataCatalog, and the HIVE catalogs that name a Hive metastore by {@code metastore-uri} (Noctua's parameter: Athena
 * reaches a Hive metastore through a Lambda connector instead), which it reads over Thrift. Every other catalog made
 * here is a record: listed, returned, tagged, updated and deleted, and a query or a metadata call that names it fails and
 * says why. FEDERATED catalogs, which Athena makes from a Glue connection and a Lambda it deploys, are refused.
 * <ul>
 *   <li>LAMBDA: {@code function}, or {@code metadata-function} and {@code record-function}, each a Lambda function ARN.</li>
 *   <li>GLUE: {@code catalog-id}, the 12-digit account id of the Glue Data Catalog.</li>
 *   <li>HIVE: {@code metadata-function}, a Lambda function ARN, and optionally {@code sdk-version} (Athena's, kept as a
 *   record); or {@code metastore-uri}, one or more {@code thrift://host:port} separated by commas (queried).</li>
 * </ul>
 */
public final class DataCatalogRegistry implements io.noctua.query.QueryCatalogs {
    /** Athena's rule for a new catalog's name. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_@-]{1,127}");
    private static final Pattern LAMBDA_ARN = Pattern.compile("arn:aws[a-z-]*:lambda:[a-z0-9-]+:\\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?");
    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
    private static final Set<String> TYPES = Set.of("LAMBDA", "GLUE", "HIVE");
    /** Noctua's parameter of a HIVE catalog it queries: the Hive metastore's Thrift URI, or several for failover. */
    public static final String METASTORE_URI = "metastore-uri";
    private static final Pattern THRIFT_URI = Pattern.compile("thrift://[A-Za-z0-9.\\[\\]:_-]+:\\d{1,5}");

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
     * Why a query or a metadata call cannot use a catalog other than AwsDataCatalog and the HIVE catalogs of
     * {@link #remoteCatalogs}: the sentence for a catalog made with CreateDataCatalog, or null for an unknown one (the
     * caller says it does not exist).
     */
    @Override
    public String notQueryable(String name) {
        Optional<DataCatalogDefinition> stored = store.get(name);
        return stored.map(catalog -> "Data catalog " + catalog.name() + " (" + catalog.type() + ") is kept by Noctua as a record only: "
                + "Noctua queries " + DataCatalogService.CATALOG + ", its own metastore, and HIVE catalogs made with "
                + METASTORE_URI + "=thrift://<host>:<port>, and cannot reach a " + catalog.type() + " catalog"
                + (catalog.type().equals("HIVE") ? " through a Lambda function" : "")).orElse(null);
    }

    /** The HIVE catalogs of Hive metastores Noctua reads, as they are stored now. */
    @Override
    public RemoteCatalogs remoteCatalogs() {
        Map<String, String> metastores = new java.util.HashMap<>();
        for (DataCatalogDefinition definition : store.list("", Integer.MAX_VALUE)) {
            String uri = metastoreUri(definition);
            if (uri != null) {
                metastores.put(definition.name(), uri);
            }
        }
        return new RemoteCatalogs(metastores);
    }

    /** The metastore a catalog names, if it is a HIVE catalog Noctua queries; else null. */
    private static String metastoreUri(DataCatalogDefinition definition) {
        return definition.type().equals("HIVE") ? definition.parameters().get(METASTORE_URI) : null;
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
                onlyKeys(type + " data catalog", parameters, Set.of("function", "metadata-function", "record-function"));
            }
            case "GLUE" -> {
                String catalogId = parameters.get("catalog-id");
                if (catalogId == null || !ACCOUNT_ID.matcher(catalogId).matches()) {
                    throw new InvalidRequestException("A GLUE data catalog takes catalog-id=<the 12-digit account id of the Glue Data Catalog>; got "
                            + catalogId);
                }
                onlyKeys(type + " data catalog", parameters, Set.of("catalog-id"));
            }
            default -> { // HIVE
                if (parameters.containsKey(METASTORE_URI)) {
                    for (String uri : parameters.get(METASTORE_URI).split(",", -1)) {
                        if (!THRIFT_URI.matcher(uri.trim()).matches() || port(uri.trim()) > 65535) {
                            throw new InvalidRequestException("Parameter " + METASTORE_URI + " must be a Hive metastore's Thrift URI, "
                                    + "thrift://<host>:<port>, or several separated by commas; got " + parameters.get(METASTORE_URI));
                        }
                    }
                    onlyKeys(type + " data catalog with " + METASTORE_URI + " (a Hive metastore Noctua queries)", parameters,
                            Set.of(METASTORE_URI));
                    return parameters;
                }
                if (!parameters.containsKey("metadata-function")) {
                    throw new InvalidRequestException("A HIVE data catalog takes " + METASTORE_URI + "=thrift://<host>:<port> (a Hive "
                            + "metastore Noctua queries), or metadata-function=<Lambda ARN> and optionally sdk-version (kept as a record)");
                }
                requireLambda(parameters, "metadata-function");
                onlyKeys(type + " data catalog", parameters, Set.of("metadata-function", "sdk-version"));
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

    private static int port(String uri) {
        return Integer.parseInt(uri.substring(uri.lastIndexOf(':') + 1));
    }

    private static void onlyKeys(String kind, Map<String, String> parameters, Set<String> allowed) {
        for (String key : parameters.keySet()) {
            if (!allowed.contains(key)) {
                throw new InvalidRequestException("Parameter " + key + " is not one a " + kind + " takes: "
                        + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }
}
