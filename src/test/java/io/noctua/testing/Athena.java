package io.noctua.testing;

import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.time.Duration;
import java.util.function.Supplier;

/** Small steps every end-to-end test takes through the real AWS SDK client. */
public final class Athena {
    public static final String SPARK_WORK_GROUP = "spark";
    public static final String LONG_SQL = "%%sql\nSELECT reflect('java.lang.Thread', 'sleep', cast(60000 as bigint))";

    private Athena() {
    }

    public static String startIdleSession(AthenaClient client) {
        return startIdleSession(client, SPARK_WORK_GROUP);
    }

    public static String startIdleSession(AthenaClient client, String workGroup) {
        String sessionId = client.startSession(r -> r.workGroup(workGroup).engineConfiguration(e -> e.maxConcurrentDpus(2))).sessionId();
        awaitSession(client, sessionId, SessionState.IDLE);
        return sessionId;
    }

    /** A session of the spark workgroup started with {@code sparkProperties}, once IDLE. */
    public static String startIdleSession(AthenaClient client, java.util.Map<String, String> sparkProperties) {
        String sessionId = client.startSession(r -> r.workGroup(SPARK_WORK_GROUP)
                .engineConfiguration(e -> e.maxConcurrentDpus(2).sparkProperties(sparkProperties))).sessionId();
        awaitSession(client, sessionId, SessionState.IDLE);
        return sessionId;
    }

    /** A session of notebook {@code notebookId} (in the spark workgroup), started as Athena's console starts one; not awaited. */
    public static String startNotebookSession(AthenaClient client, String notebookId) {
        return client.startSession(r -> r.workGroup(SPARK_WORK_GROUP).notebookVersion("Athena notebook version 1")
                .engineConfiguration(e -> e.maxConcurrentDpus(4).additionalConfigs(java.util.Map.of("NotebookId", notebookId)))).sessionId();
    }

    public static void awaitSession(AthenaClient client, String sessionId, SessionState state) {
        await(() -> client.getSessionStatus(r -> r.sessionId(sessionId)).status().state() == state,
                "session " + sessionId + " to be " + state, Duration.ofSeconds(60));
    }

    public static String startCalculation(AthenaClient client, String sessionId, String code) {
        return client.startCalculationExecution(r -> r.sessionId(sessionId).codeBlock(code)).calculationExecutionId();
    }

    /** Polls GetCalculationExecution until a final state; every answer must carry Status and Statistics. */
    public static GetCalculationExecutionResponse awaitCalculation(AthenaClient client, String calculationId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            GetCalculationExecutionResponse response = client.getCalculationExecution(r -> r.calculationExecutionId(calculationId));
            if (response.status() == null || response.statistics() == null || response.statistics().progress() == null) {
                throw new AssertionError("Status or Statistics missing: " + response);
            }
            CalculationExecutionState state = response.status().state();
            if (state == CalculationExecutionState.COMPLETED || state == CalculationExecutionState.FAILED
                    || state == CalculationExecutionState.CANCELED) {
                return response;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("calculation " + calculationId + " did not end: " + response);
            }
            sleep(20);
        }
    }

    public static GetCalculationExecutionResponse run(AthenaClient client, String sessionId, String code) {
        return awaitCalculation(client, startCalculation(client, sessionId, code));
    }

    public static void awaitCalculationState(AthenaClient client, String calculationId, CalculationExecutionState state) {
        await(() -> client.getCalculationExecutionStatus(r -> r.calculationExecutionId(calculationId)).status().state() == state,
                "calculation " + calculationId + " to be " + state, Duration.ofSeconds(60));
    }

    /**
     * Stops a running calculation and checks what every stop must give: CANCELED within 10 seconds,
     * and the session IDLE again.
     */
    public static void assertStopCancels(AthenaClient client, String sessionId, String calculationId) {
        long begin = System.nanoTime();
        client.stopCalculationExecution(r -> r.calculationExecutionId(calculationId));
        GetCalculationExecutionResponse done = awaitCalculation(client, calculationId);
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        if (done.status().state() != CalculationExecutionState.CANCELED) {
            throw new AssertionError("stopped calculation ended " + done.status());
        }
        if (took.toSeconds() >= 10) {
            throw new AssertionError("stop took " + took);
        }
        SessionState session = client.getSessionStatus(r -> r.sessionId(sessionId)).status().state();
        if (session != SessionState.IDLE) {
            throw new AssertionError("after a stop the session is " + session);
        }
    }

    /** Starts {@code sql} in the SQL workgroup {@code primary}. */
    public static String startQuery(AthenaClient client, String sql) {
        return client.startQueryExecution(r -> r.queryString(sql).workGroup("primary")).queryExecutionId();
    }

    /** Waits for a query execution to end, and returns it as it ended. */
    public static software.amazon.awssdk.services.athena.model.QueryExecution awaitQuery(AthenaClient client, String id) {
        software.amazon.awssdk.services.athena.model.QueryExecution[] last = new software.amazon.awssdk.services.athena.model.QueryExecution[1];
        await(() -> {
            last[0] = client.getQueryExecution(r -> r.queryExecutionId(id)).queryExecution();
            var state = last[0].status().state();
            return state == QueryExecutionState.SUCCEEDED || state == QueryExecutionState.FAILED || state == QueryExecutionState.CANCELLED;
        }, "query " + id + " to end", Duration.ofSeconds(120));
        return last[0];
    }

    /** Runs {@code sql} in {@code primary} and asserts that it SUCCEEDED; if not, the message has the reason. */
    public static software.amazon.awssdk.services.athena.model.QueryExecution querySucceeded(AthenaClient client, String sql) {
        var done = awaitQuery(client, startQuery(client, sql));
        org.junit.jupiter.api.Assertions.assertEquals(QueryExecutionState.SUCCEEDED, done.status().state(),
                () -> sql + ": " + done.status().stateChangeReason());
        return done;
    }

    public static void await(Supplier<Boolean> condition, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            sleep(20);
        }
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
