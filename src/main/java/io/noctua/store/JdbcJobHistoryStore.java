package io.noctua.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.dashboard.JobHistoryStore;
import io.noctua.engine.SparkJobHistory;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.noctua.store.Database.millis;
import static java.util.Objects.requireNonNull;

/**
 * Calculations' Spark job histories in the {@code calculation_spark_jobs} table, one row per calculation,
 * its jobs and stages as JSON mapped member by member here (as {@link StoredJson} does), so that what is
 * stored never follows a change of the classes by accident.
 */
public final class JdbcJobHistoryStore implements JobHistoryStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;

    public JdbcJobHistoryStore(Database database) {
        this.database = requireNonNull(database, "database is null");
    }

    @Override
    public void insert(String sessionId, String calculationExecutionId, Instant recorded, SparkJobHistory jobs, int keepPerSession) {
        String json = json(jobs);
        database.inTransaction(() -> {
            database.execute("INSERT INTO calculation_spark_jobs (calculation_id, session_id, recorded_time, jobs) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT DO NOTHING", calculationExecutionId, sessionId, millis(recorded), json);
            database.execute("DELETE FROM calculation_spark_jobs WHERE session_id = ? AND seq NOT IN "
                    + "(SELECT seq FROM calculation_spark_jobs WHERE session_id = ? ORDER BY seq DESC LIMIT ?)", sessionId, sessionId, keepPerSession);
            return null;
        });
    }

    @Override
    public Map<String, SparkJobHistory> ofSession(String sessionId) {
        Map<String, SparkJobHistory> histories = new LinkedHashMap<>();
        database.query("SELECT calculation_id, jobs FROM calculation_spark_jobs WHERE session_id = ? ORDER BY seq DESC",
                row -> histories.put(row.getString(1), jobs(row.getString(2), row.getString(1))), sessionId);
        return histories;
    }

    static String json(SparkJobHistory history) {
        ObjectNode node = JSON.createObjectNode();
        ArrayNode jobs = node.putArray("jobs");
        for (SparkJobHistory.Job job : history.jobs()) {
            ObjectNode item = jobs.addObject();
            item.put("jobId", job.jobId());
            item.put("jobGroup", job.jobGroup());
            item.put("description", job.description());
            item.put("status", job.status());
            item.put("failureReason", job.failureReason());
            item.put("submissionTime", job.submissionTime());
            item.put("completionTime", job.completionTime());
            ArrayNode stageIds = item.putArray("stageIds");
            job.stageIds().forEach(stageIds::add);
            item.put("skippedStages", job.skippedStages());
            item.put("tasks", job.tasks());
            item.put("succeededTasks", job.succeededTasks());
            item.put("failedTasks", job.failedTasks());
            item.put("killedTasks", job.killedTasks());
        }
        ArrayNode stages = node.putArray("stages");
        for (SparkJobHistory.Stage stage : history.stages()) {
            ObjectNode item = stages.addObject();
            item.put("stageId", stage.stageId());
            item.put("name", stage.name());
            item.put("status", stage.status());
            item.put("attempts", stage.attempts());
            item.put("tasks", stage.tasks());
            item.put("succeededTasks", stage.succeededTasks());
            item.put("failedTasks", stage.failedTasks());
            item.put("killedTasks", stage.killedTasks());
            item.put("inputBytes", stage.inputBytes());
            item.put("inputRecords", stage.inputRecords());
            item.put("outputBytes", stage.outputBytes());
            item.put("outputRecords", stage.outputRecords());
            item.put("shuffleReadBytes", stage.shuffleReadBytes());
            item.put("shuffleWriteBytes", stage.shuffleWriteBytes());
            item.put("taskTimeMillis", stage.taskTimeMillis());
            item.put("longestTaskMillis", stage.longestTaskMillis());
            item.put("submissionTime", stage.submissionTime());
            item.put("completionTime", stage.completionTime());
            item.put("failureReason", stage.failureReason());
        }
        node.put("jobsNotKept", history.jobsNotKept());
        node.put("stagesNotKept", history.stagesNotKept());
        return node.toString();
    }

    static SparkJobHistory jobs(String json, String calculationExecutionId) throws SQLException {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        }
        catch (JsonProcessingException e) {
            throw new SQLException("the stored Spark jobs of calculation " + calculationExecutionId + " are not JSON", e);
        }
        List<SparkJobHistory.Job> jobs = new ArrayList<>();
        for (JsonNode item : node.path("jobs")) {
            List<Integer> stageIds = new ArrayList<>();
            item.path("stageIds").forEach(id -> stageIds.add(id.asInt()));
            jobs.add(new SparkJobHistory.Job(item.path("jobId").asInt(), text(item, "jobGroup"), text(item, "description"),
                    item.path("status").asText(), text(item, "failureReason"), item.path("submissionTime").asLong(),
                    optionalLong(item, "completionTime"), stageIds, item.path("skippedStages").asInt(), item.path("tasks").asInt(),
                    item.path("succeededTasks").asInt(), item.path("failedTasks").asInt(), item.path("killedTasks").asInt()));
        }
        List<SparkJobHistory.Stage> stages = new ArrayList<>();
        for (JsonNode item : node.path("stages")) {
            stages.add(new SparkJobHistory.Stage(item.path("stageId").asInt(), item.path("name").asText(), item.path("status").asText(),
                    item.path("attempts").asInt(), item.path("tasks").asInt(), item.path("succeededTasks").asInt(),
                    item.path("failedTasks").asInt(), item.path("killedTasks").asInt(), item.path("inputBytes").asLong(),
                    item.path("inputRecords").asLong(), item.path("outputBytes").asLong(), item.path("outputRecords").asLong(),
                    item.path("shuffleReadBytes").asLong(), item.path("shuffleWriteBytes").asLong(), item.path("taskTimeMillis").asLong(),
                    item.path("longestTaskMillis").asLong(), optionalLong(item, "submissionTime"), optionalLong(item, "completionTime"),
                    text(item, "failureReason")));
        }
        return new SparkJobHistory(jobs, stages, node.path("jobsNotKept").asInt(), node.path("stagesNotKept").asInt());
    }

    private static String text(JsonNode node, String name) {
        return node.hasNonNull(name) ? node.get(name).asText() : null;
    }

    private static Long optionalLong(JsonNode node, String name) {
        return node.hasNonNull(name) ? node.get(name).asLong() : null;
    }
}
