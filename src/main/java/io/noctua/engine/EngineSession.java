package io.noctua.engine;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalog.Table;

import java.util.List;

import static java.util.Objects.requireNonNull;

/** One Athena session's own SparkSession, and how calculations run on it. */
public final class EngineSession {
    /** Athena's {@code %%sql} shows results as {@code .show()} does: 20 rows, columns cut at 20 characters. */
    private static final int SHOW_ROWS = 20;
    private static final int SHOW_TRUNCATE = 20;

    private final String sessionId;
    private final SparkSession spark;
    private final JobGroupTracker jobGroups;

    EngineSession(String sessionId, SparkSession spark, JobGroupTracker jobGroups) {
        this.sessionId = requireNonNull(sessionId, "sessionId is null");
        this.spark = requireNonNull(spark, "spark is null");
        this.jobGroups = requireNonNull(jobGroups, "jobGroups is null");
    }

    public SparkSession spark() {
        return spark;
    }

    /**
     * Starts following a calculation's job group; Spark jobs the calculation runs on this thread
     * belong to it until {@link #endCalculation}.
     */
    public JobGroupProgress beginCalculation(String calculationId) {
        JobGroupProgress progress = jobGroups.track(calculationId);
        SparkContext context = spark.sparkContext();
        context.setJobGroup(calculationId, "Athena calculation " + calculationId + " of session " + sessionId, true);
        SparkSession.setActiveSession(spark);
        return progress;
    }

    public void endCalculation(String calculationId) {
        spark.sparkContext().clearJobGroup();
        SparkSession.clearActiveSession();
        jobGroups.untrack(calculationId);
    }

    /**
     * Runs the statements of a {@code %%sql} cell in order and returns what {@code .show()} prints for
     * each statement that returns columns. Throws Spark's exception when a statement fails.
     */
    public SqlOutput runSql(String sqlText) {
        StringBuilder shown = new StringBuilder();
        List<String> columns = List.of();
        for (String statement : SqlStatements.split(sqlText)) {
            Dataset<Row> result = spark.sql(statement);
            if (result.schema().isEmpty()) {
                continue;
            }
            columns = List.of(result.columns());
            shown.append(result.showString(SHOW_ROWS, SHOW_TRUNCATE, false)).append('\n');
        }
        return new SqlOutput(shown.toString(), columns);
    }

    public record SqlOutput(String shown, List<String> columns) {
    }

    /** Drops the session's temporary views, which also frees any data they cached. */
    public void close() {
        try {
            for (Table table : spark.catalog().listTables().collectAsList()) {
                if (table.isTemporary()) {
                    spark.catalog().dropTempView(table.name());
                }
            }
        }
        catch (Exception ignored) {
            // a session whose catalog cannot be listed holds nothing to free
        }
    }
}
