package io.noctua.query;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Athena's statements as Spark SQL: each translated form, and the refusals, without Spark. */
class AthenaDialectTest {
    private static final String TABLES = "s3://out/tables/q1/";

    private static AthenaDialect.Translation translate(String statement) {
        return AthenaDialect.translate(statement, StatementKind.of(statement), TABLES);
    }

    private static String sql(String statement) {
        return translate(statement).sparkSql();
    }

    private static String refusal(String statement) {
        return assertThrows(AthenaDialect.Unsupported.class, () -> translate(statement)).getMessage();
    }

    @Test
    void createTableAsWithAthenasProperties() {
        assertEquals("CREATE TABLE `db`.`t` PARTITIONED BY (`dt`) STORED AS PARQUET LOCATION 's3://b/t/' "
                        + "TBLPROPERTIES ('parquet.compression' = 'SNAPPY') AS SELECT a, dt FROM src",
                sql("CREATE TABLE db.t WITH (format = 'PARQUET', external_location = 's3://b/t/', partitioned_by = ARRAY['dt'], "
                        + "write_compression = 'snappy') AS SELECT a, dt FROM src"));
        assertEquals("CREATE TABLE IF NOT EXISTS `My Table` CLUSTERED BY (`id`) INTO 4 BUCKETS STORED AS ORC LOCATION 's3://out/tables/q1/' "
                        + "AS select * from src",
                sql("create table if not exists \"My Table\" with (format='orc', bucketed_by=array['id'], bucket_count=4) as select * from src"));
        assertEquals("CREATE TABLE `t` ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' STORED AS TEXTFILE LOCATION 's3://out/tables/q1/' "
                        + "AS SELECT 1", sql("CREATE TABLE t WITH (format = 'TEXTFILE', field_delimiter = '|') AS SELECT 1"));
        assertEquals("CREATE TABLE `t` ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\u0001' STORED AS TEXTFILE "
                + "LOCATION 's3://out/tables/q1/' AS SELECT 1", sql("CREATE TABLE t WITH (format = 'TEXTFILE') AS SELECT 1"));
        assertEquals("CREATE TABLE `t` ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe' STORED AS TEXTFILE "
                + "LOCATION 's3://out/tables/q1/' AS SELECT 1", sql("CREATE TABLE t WITH (format = 'JSON') AS SELECT 1"));
        // no properties: Parquet under the query's output location, as Athena writes it
        assertEquals("CREATE TABLE `t` STORED AS PARQUET LOCATION 's3://out/tables/q1/' AS SELECT 'it''s' AS s",
                sql("CREATE TABLE t AS SELECT 'it''s' AS s"));
        assertEquals("CREATE TABLE `t` STORED AS PARQUET LOCATION 's3://out/tables/q1/' AS SELECT * FROM (SELECT 1 AS x) AS q LIMIT 0",
                sql("CREATE TABLE t AS SELECT 1 AS x WITH NO DATA"));
        assertEquals("CREATE TABLE `t` STORED AS PARQUET LOCATION 's3://out/tables/q1/' AS WITH a AS (SELECT 1 AS x) SELECT x FROM a",
                sql("CREATE TABLE t AS WITH a AS (SELECT 1 AS x) SELECT x FROM a WITH DATA"));
        // Spark's own CTAS forms run as written
        assertEquals("CREATE TABLE t USING parquet AS SELECT 1", sql("CREATE TABLE t USING parquet AS SELECT 1"));
    }

    @Test
    void createTableAsRefusesWhatItCannotDo() {
        assertEquals("CREATE TABLE AS with table_type = 'ICEBERG' is not supported by Noctua's SQL engine yet: create Iceberg tables from a "
                + "Spark session (see the README's table formats)", refusal("CREATE TABLE t WITH (table_type = 'ICEBERG') AS SELECT 1"));
        assertEquals("The property vacuum_max_snapshot_age_seconds of CREATE TABLE AS is not supported by Noctua's SQL engine",
                refusal("CREATE TABLE t WITH (vacuum_max_snapshot_age_seconds = 5) AS SELECT 1"));
        assertEquals("format 'ION' of CREATE TABLE AS is not supported; use PARQUET, ORC, AVRO, TEXTFILE or JSON",
                refusal("CREATE TABLE t WITH (format = 'ION') AS SELECT 1"));
        assertEquals("bucketed_by and bucket_count go together in CREATE TABLE AS",
                refusal("CREATE TABLE t WITH (bucketed_by = ARRAY['a']) AS SELECT 1 AS a"));
        assertEquals("partitioned_by of CREATE TABLE AS takes an ARRAY['column', ...]",
                refusal("CREATE TABLE t WITH (partitioned_by = 'dt') AS SELECT 1"));
        assertEquals("Syntax error: expected '=' at ''PARQUET''", refusal("CREATE TABLE t WITH (format 'PARQUET') AS SELECT 1"));
        assertEquals("The property format is given twice", refusal("CREATE TABLE t WITH (format = 'ORC', FORMAT = 'ORC') AS SELECT 1"));
    }

    @Test
    void unloadWritesADirectoryThatMustBeEmpty() {
        AthenaDialect.Translation parquet = translate("UNLOAD (SELECT a, (b + 1) AS c FROM t WHERE x = ')') TO 's3://b/out/' "
                + "WITH (format = 'PARQUET', compression = 'SNAPPY')");
        assertEquals("INSERT OVERWRITE DIRECTORY 's3://b/out/' USING parquet OPTIONS ('compression' = 'snappy') "
                + "SELECT a, (b + 1) AS c FROM t WHERE x = ')'", parquet.sparkSql());
        assertEquals("s3://b/out/", parquet.emptyLocation());
        assertEquals("INSERT OVERWRITE DIRECTORY 's3://b/out/' USING csv OPTIONS ('sep' = ',', 'compression' = 'gzip') SELECT 1",
                sql("UNLOAD (SELECT 1) TO 's3://b/out/' WITH (format = 'TEXTFILE', field_delimiter = ',')"));
        assertEquals("UNLOAD needs the property format, e.g. WITH (format = 'PARQUET')", refusal("UNLOAD (SELECT 1) TO 's3://b/' WITH (compression = 'gzip')"));
        assertEquals("UNLOAD with partitioned_by is not supported yet: write partitioned files with CREATE TABLE AS and partitioned_by",
                refusal("UNLOAD (SELECT 1 AS p) TO 's3://b/' WITH (format = 'PARQUET', partitioned_by = ARRAY['p'])"));
        assertEquals("Syntax error: expected TO at 'INTO'", refusal("UNLOAD (SELECT 1) INTO 's3://b/' WITH (format = 'JSON')"));
    }

    @Test
    void showStatementsKeepAthenasColumns() {
        AthenaDialect.Translation tables = translate("SHOW TABLES IN db");
        assertEquals("SHOW TABLES IN db", tables.sparkSql());
        assertEquals("tab_name", tables.projection().names()[0]);
        assertEquals(1, tables.projection().columns()[0]);
        assertEquals("database_name", translate("SHOW SCHEMAS").projection().names()[0]);
        assertEquals("field", translate("SHOW COLUMNS IN t").projection().names()[0]);
        assertNull(translate("DESCRIBE t").projection());
        assertNull(translate("SELECT 1").projection());
    }
}
