package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.DataCatalog;
import software.amazon.awssdk.services.athena.model.DataCatalogSummary;
import software.amazon.awssdk.services.athena.model.DataCatalogType;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ListDataCatalogsResponse;
import software.amazon.awssdk.services.athena.model.MetadataException;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.QueryExecutionStatus;
import software.amazon.awssdk.services.athena.model.Tag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CreateDataCatalog, UpdateDataCatalog, DeleteDataCatalog and what the catalogs they make do, through the AWS SDK for Java v2. */
class DataCatalogsTest {
    private static final String LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:my-connector";

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final AthenaClient athena = running.client();

    private static String unique(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void catalogsOfEachTypeAreMadeReadUpdatedTaggedAndDeleted() {
        String lambda = unique("lambda");
        String glue = unique("glue");
        String hive = unique("hive");
        DataCatalog made = athena.createDataCatalog(r -> r.name(lambda).type(DataCatalogType.LAMBDA).description("a connector")
                .parameters(Map.of("function", LAMBDA)).tags(Tag.builder().key("team").value("data").build())).dataCatalog();
        assertEquals(lambda, made.name());
        assertEquals("CREATE_COMPLETE", made.statusAsString());
        athena.createDataCatalog(r -> r.name(glue).type(DataCatalogType.GLUE).parameters(Map.of("catalog-id", "999999999999")));
        athena.createDataCatalog(r -> r.name(hive).type(DataCatalogType.HIVE)
                .parameters(Map.of("metadata-function", LAMBDA, "sdk-version", "1.0")));

        DataCatalog read = athena.getDataCatalog(r -> r.name(lambda)).dataCatalog();
        assertEquals(DataCatalogType.LAMBDA, read.type());
        assertEquals("a connector", read.description());
        assertEquals(Map.of("function", LAMBDA), read.parameters());
        assertEquals(Map.of("catalog-id", "999999999999"), athena.getDataCatalog(r -> r.name(glue)).dataCatalog().parameters());

        List<String> listed = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            ListDataCatalogsResponse page = athena.listDataCatalogs(r -> r.maxResults(2).nextToken(next));
            assertTrue(page.dataCatalogsSummary().size() <= 2);
            page.dataCatalogsSummary().stream().map(DataCatalogSummary::catalogName).forEach(listed::add);
            token = page.nextToken();
        } while (token != null);
        assertEquals("AwsDataCatalog", listed.get(0));
        assertTrue(listed.containsAll(List.of(lambda, glue, hive)), listed.toString());
        assertEquals(listed.size(), listed.stream().distinct().count(), "no catalog twice across pages: " + listed);

        athena.updateDataCatalog(r -> r.name(lambda).type(DataCatalogType.LAMBDA).description("two functions")
                .parameters(Map.of("metadata-function", LAMBDA, "record-function", LAMBDA + "-records")));
        DataCatalog updated = athena.getDataCatalog(r -> r.name(lambda)).dataCatalog();
        assertEquals("two functions", updated.description());
        assertEquals(Map.of("metadata-function", LAMBDA, "record-function", LAMBDA + "-records"), updated.parameters());

        String arn = "arn:aws:athena:us-east-1:123456789012:datacatalog/" + lambda;
        assertEquals(List.of(Tag.builder().key("team").value("data").build()), athena.listTagsForResource(r -> r.resourceARN(arn)).tags());

        assertEquals("DELETE_COMPLETE", athena.deleteDataCatalog(r -> r.name(lambda)).dataCatalog().statusAsString());
        assertEquals("Catalog " + lambda + " was not found.", assertThrows(InvalidRequestException.class,
                () -> athena.getDataCatalog(r -> r.name(lambda))).awsErrorDetails().errorMessage());
        athena.createDataCatalog(r -> r.name(lambda).type(DataCatalogType.GLUE).parameters(Map.of("catalog-id", "123456789012")));
        assertEquals(List.of(), athena.listTagsForResource(r -> r.resourceARN(arn)).tags(), "a catalog made again has none of the old one's tags");
    }

    @Test
    void aCatalogMadeHereIsNotQueriedAndSaysWhy() {
        String glue = unique("elsewhere");
        athena.createDataCatalog(r -> r.name(glue).type(DataCatalogType.GLUE).parameters(Map.of("catalog-id", "999999999999")));

        MetadataException metadata = assertThrows(MetadataException.class, () -> athena.listDatabases(r -> r.catalogName(glue)));
        assertEquals("Data catalog " + glue + " (GLUE) is kept by Noctua as a record only: Noctua queries AwsDataCatalog, its own "
                + "metastore, and HIVE catalogs made with metastore-uri=thrift://<host>:<port>, and cannot reach a GLUE catalog",
                metadata.awsErrorDetails().errorMessage());

        String id = athena.startQueryExecution(r -> r.queryString("SELECT 1").workGroup("primary")
                .queryExecutionContext(c -> c.catalog(glue))).queryExecutionId();
        Athena.await(() -> athena.getQueryExecution(r -> r.queryExecutionId(id)).queryExecution().status().state() == QueryExecutionState.FAILED,
                "the query on " + glue + " to fail", Duration.ofSeconds(30));
        QueryExecutionStatus status = athena.getQueryExecution(r -> r.queryExecutionId(id)).queryExecution().status();
        assertTrue(status.stateChangeReason().startsWith("CATALOG_NOT_QUERYABLE: Data catalog " + glue + " (GLUE) is kept by Noctua"),
                status.stateChangeReason());
    }

    @Test
    void badCatalogsAreRefusedAndNothingIsKept() {
        String name = unique("bad");
        assertEquals("A LAMBDA data catalog takes either function=<Lambda ARN>, or both metadata-function=<Lambda ARN> and "
                + "record-function=<Lambda ARN>", refused(() -> athena.createDataCatalog(r -> r.name(name).type(DataCatalogType.LAMBDA))));
        assertTrue(refused(() -> athena.createDataCatalog(r -> r.name(name).type(DataCatalogType.LAMBDA)
                .parameters(Map.of("function", "not-an-arn")))).startsWith("Parameter function must be a Lambda function ARN"));
        assertTrue(refused(() -> athena.createDataCatalog(r -> r.name(name).type(DataCatalogType.GLUE)
                .parameters(Map.of("catalog-id", "12")))).startsWith("A GLUE data catalog takes catalog-id="));
        assertTrue(refused(() -> athena.createDataCatalog(r -> r.name(name).type(DataCatalogType.GLUE)
                .parameters(Map.of("catalog-id", "123456789012", "extra", "x")))).startsWith("Parameter extra is not one a GLUE data catalog takes"));
        assertTrue(refused(() -> athena.createDataCatalog(r -> r.name(name).type(DataCatalogType.FEDERATED)))
                .startsWith("Noctua does not make FEDERATED data catalogs"));
        assertTrue(refused(() -> athena.createDataCatalog(r -> r.name("has space").type(DataCatalogType.GLUE)
                .parameters(Map.of("catalog-id", "123456789012")))).startsWith("Data catalog name has space is not valid"));
        assertTrue(refused(() -> athena.createDataCatalog(r -> r.name("awsdatacatalog").type(DataCatalogType.GLUE)
                .parameters(Map.of("catalog-id", "123456789012")))).contains("Noctua's own catalog"));
        assertTrue(refused(() -> athena.deleteDataCatalog(r -> r.name("AwsDataCatalog"))).contains("cannot be deleted"));
        assertTrue(refused(() -> athena.updateDataCatalog(r -> r.name("AwsDataCatalog").type(DataCatalogType.GLUE)
                .parameters(Map.of("catalog-id", "123456789012")))).contains("cannot be changed"));
        assertEquals("Catalog " + name + " was not found.", refused(() -> athena.getDataCatalog(r -> r.name(name))), "nothing was kept");

        athena.createDataCatalog(r -> r.name(name).type(DataCatalogType.GLUE).parameters(Map.of("catalog-id", "123456789012")));
        assertEquals("Data catalog " + name + " already exists", refused(() -> athena.createDataCatalog(r -> r.name(name)
                .type(DataCatalogType.GLUE).parameters(Map.of("catalog-id", "123456789012")))));
        assertTrue(refused(() -> athena.updateDataCatalog(r -> r.name(name).type(DataCatalogType.HIVE).parameters(Map.of())))
                .startsWith("A HIVE data catalog takes metastore-uri=thrift://<host>:<port> (a Hive metastore Noctua queries), or metadata-function"));
        assertEquals(Map.of("catalog-id", "123456789012"), athena.getDataCatalog(r -> r.name(name)).dataCatalog().parameters(),
                "a refused update changes nothing");
    }

    private static String refused(Runnable call) {
        return assertThrows(InvalidRequestException.class, call::run).awsErrorDetails().errorMessage();
    }
}
