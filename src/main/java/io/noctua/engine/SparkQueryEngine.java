package io.noctua.engine;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.CommandResultExec;
import org.apache.spark.sql.execution.LocalTableScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The SQL API's statements on Spark SQL, over the catalog the Spark sessions share. Each statement
 * runs in a SparkSession of its own (a {@code newSession()} costs well under a millisecond once
 * Spark runs), so that a {@code USE} or a setting of one query never reaches another, and in a job
 * group named by its query execution id, so that a stop cancels its jobs. Rows are taken one
 * partition at a time ({@code toLocalIterator}): a large result is never held whole on the driver.
 */
final class SparkQueryEngine implements QueryEngine {
    private static final String DEFAULT_DATABASE = "default";

    private final Supplier<SparkSession> root;
    private final Supplier<JobGroupTracker> tracker;

    /** Both suppliers wait for Spark to be up. */
    SparkQueryEngine(Supplier<SparkSession> root, Supplier<JobGroupTracker> tracker) {
        this.root = requireNonNull(root, "root is null");
        this.tracker = requireNonNull(tracker, "tracker is null");
    }

    @Override
    public Outcome run(String queryExecutionId, String statement, Context where, RowSink sink, BooleanSupplier stopped) {
        SparkSession spark = root.get().newSession();
        // Athena writes every partition a query's rows name (CTAS, INSERT INTO): Hive's dynamic partitioning, unrestricted
        spark.conf().set("hive.exec.dynamic.partition", "true");
        spark.conf().set("hive.exec.dynamic.partition.mode", "nonstrict");
        JobGroupTracker jobGroups = tracker.get();
        JobGroupProgress progress = jobGroups.track(queryExecutionId);
        SparkContext context = spark.sparkContext();
        context.setJobGroup(queryExecutionId, "Athena query " + queryExecutionId, true);
        // the SQL API's queries share one FAIR pool, beside the sessions' own (FairPools)
        context.setLocalProperty(FairPools.POOL_PROPERTY, FairPools.QUERY_POOL);
        SparkSession.setActiveSession(spark);
        try {
            if (stopped.getAsBoolean()) { // stopped before the job group was followed: cancel() found nothing to cancel
                progress.cancel();
                throw new QueryFailedException("The query was cancelled before it started", true, null);
            }
            where.remoteCatalogs().applyTo(spark, io.noctua.engine.hive.RemoteCatalogs.NONE); // a new SparkSession
            if (where.catalog() == null) {
                useDatabase(spark, where.database());
            }
            else {
                useRemoteDatabase(spark, where.catalog(), where.database());
            }
            Dataset<Row> result = spark.sql(statement);
            StructType schema = result.schema();
            List<ResultColumn> columns = new ArrayList<>(schema.size());
            for (StructField field : schema.fields()) {
                columns.add(AthenaValues.column(field));
            }
            sink.columns(columns);
            long rows = 0;
            if (!columns.isEmpty()) {
                ZoneId zone = ZoneId.of(spark.sessionState().conf().sessionLocalTimeZone());
                StructField[] fields = schema.fields();
                Iterator<Row> iterator = rows(result);
                while (iterator.hasNext()) {
                    Row row = iterator.next();
                    String[] values = new String[fields.length];
                    for (int i = 0; i < fields.length; i++) {
                        values[i] = AthenaValues.text(row.get(i), fields[i].dataType(), zone);
                    }
                    sink.row(values);
                    rows++;
                }
            }
            return new Outcome(progress.inputBytes(), progress.inputRecords(), columns.isEmpty() ? progress.outputRecords() : rows);
        }
        catch (QueryFailedException e) {
            throw e;
        }
        catch (Exception e) { // Spark throws its checked AnalysisException (a ParseException too) undeclared
            if (progress.isCancelled()) {
                throw new QueryFailedException("The query was cancelled", true, e);
            }
            if (e instanceof AnalysisException) {
                throw new QueryFailedException(e.getMessage(), true, e);
            }
            throw new QueryFailedException(reason(e), isUserError(e), e);
        }
        finally {
            context.clearJobGroup();
            context.setLocalProperty(FairPools.POOL_PROPERTY, null);
            SparkSession.clearActiveSession();
            jobGroups.untrack(queryExecutionId);
        }
    }

    /**
     * Makes {@code database} the session's current one: one metastore call, none for {@code default},
     * where a new session already is.
     */
    private static void useDatabase(SparkSession spark, String database) {
        if (database == null || database.equalsIgnoreCase(DEFAULT_DATABASE)) {
            return;
        }
        try {
            spark.sessionState().catalog().setCurrentDatabase(database);
        }
        catch (Exception e) { // NoSuchDatabaseException, thrown undeclared
            if (e instanceof org.apache.spark.sql.catalyst.analysis.NoSuchDatabaseException) {
                throw new QueryFailedException("SCHEMA_NOT_FOUND: Database '" + database + "' does not exist", true, e);
            }
            throw e;
        }
    }

    /** Makes {@code database} of the remote catalog {@code catalog} the session's current one, as {@code USE catalog.database}. */
    private static void useRemoteDatabase(SparkSession spark, String catalog, String database) {
        org.apache.spark.sql.connector.catalog.CatalogManager manager = spark.sessionState().catalogManager();
        manager.setCurrentCatalog(catalog);
        String name = database == null ? DEFAULT_DATABASE : database;
        try {
            manager.setCurrentNamespace(new String[] {name});
        }
        catch (Exception e) { // NoSuchNamespaceException, thrown undeclared
            if (e instanceof org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException) {
                throw new QueryFailedException("SCHEMA_NOT_FOUND: Database '" + name + "' does not exist in catalog '" + catalog + "'", true, e);
            }
            throw e;
        }
    }

    /**
     * The result's rows: a result Spark already holds on the driver (a literal SELECT, a command's
     * output) as it is, since {@code toLocalIterator} would run a Spark job to hand it over;
     * anything else one partition at a time, never whole.
     */
    private static Iterator<Row> rows(Dataset<Row> result) {
        SparkPlan plan = result.queryExecution().executedPlan();
        if (plan instanceof LocalTableScanExec || plan instanceof CommandResultExec) {
            return result.collectAsList().iterator();
        }
        return result.toLocalIterator();
    }

    /** Spark's own message, without the stack of wrapping exceptions. */
    private static String reason(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof org.apache.spark.SparkException
                && cause.getCause().getMessage() != null && cause.getMessage().startsWith("Job aborted"))) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }

    /** Spark's errors with an error class for the user (a bad cast, a division by zero...) are the query's fault. */
    private static boolean isUserError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.noctua.engine.hive.RemoteCatalogException) {
                return true;
            }
            if (t instanceof org.apache.spark.SparkThrowable thrown && thrown.getErrorClass() != null
                    && !thrown.getErrorClass().startsWith("INTERNAL")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean isEmptyLocation(String location) {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
        try {
            org.apache.hadoop.fs.FileSystem fileSystem = path.getFileSystem(root.get().sessionState().newHadoopConf());
            if (!fileSystem.exists(path)) {
                return true;
            }
            return fileSystem.getFileStatus(path).isDirectory() && fileSystem.listStatus(path).length == 0;
        }
        catch (java.io.IOException e) {
            throw new QueryFailedException("cannot look at " + location + ": " + e.getMessage(), false, e);
        }
    }

    @Override
    public void cancel(String queryExecutionId) {
        tracker.get().cancel(queryExecutionId);
    }
}
