package io.noctua.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * What the latency benchmarks do through the API on one keep-alive connection: start a session and
 * wait for IDLE; start a calculation and poll its status until COMPLETED, timing each part.
 */
final class ApiRuns {
    static final String START_SESSION = "{\"WorkGroup\":\"spark\",\"EngineConfiguration\":{\"MaxConcurrentDpus\":2}}";
    private static final long TIMEOUT_NANOS = 120_000_000_000L;

    private ApiRuns() {
    }

    /** One calculation through the API, timed from sending StartCalculationExecution to reading COMPLETED. */
    record ApiRun(String calculationId, long totalNanos, long startCallNanos, long[] pollNanos, double serverMillis) {
    }

    /** The parts of many runs, as the benchmarks print them. */
    record Summary(Stats startCall, Stats poll, Stats polls, Stats serverSide) {
        static Summary of(ApiRun[] runs) {
            List<Long> pollNanos = new ArrayList<>();
            for (ApiRun run : runs) {
                for (long poll : run.pollNanos()) {
                    pollNanos.add(poll);
                }
            }
            return new Summary(
                    Stats.ofNanos(Arrays.stream(runs).mapToLong(ApiRun::startCallNanos).toArray()),
                    Stats.ofNanos(pollNanos.stream().mapToLong(Long::longValue).toArray()),
                    Stats.ofMillis(Arrays.stream(runs).mapToDouble(r -> r.pollNanos().length).toArray()),
                    Stats.ofMillis(Arrays.stream(runs).mapToDouble(ApiRun::serverMillis).toArray()));
        }
    }

    static String startSession(Wire wire) {
        String sessionId = wire.call("StartSession", START_SESSION).get("SessionId").asText();
        String request = "{\"SessionId\":" + Wire.quote(sessionId) + "}";
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (true) {
            String state = wire.call("GetSessionStatus", request).get("Status").get("State").asText();
            if (state.equals("IDLE")) {
                return sessionId;
            }
            if (state.equals("FAILED") || state.equals("TERMINATED") || System.nanoTime() > deadline) {
                throw new IllegalStateException("session " + sessionId + " did not become IDLE: " + state);
            }
            Bench.sleepMillis(5);
        }
    }

    /**
     * StartCalculationExecution, then status polls ({@code pollSleepMillis} apart) until COMPLETED;
     * {@code failureDetail} adds to the error of a calculation that ends otherwise (given its id).
     */
    static ApiRun run(Wire wire, String sessionId, String code, int pollSleepMillis, Function<String, String> failureDetail) {
        String start = "{\"SessionId\":" + Wire.quote(sessionId) + ",\"CodeBlock\":" + Wire.quote(code) + "}";
        long begin = System.nanoTime();
        JsonNode started = wire.call("StartCalculationExecution", start);
        long startAnswered = System.nanoTime();
        String calculationId = started.get("CalculationExecutionId").asText();
        String statusRequest = "{\"CalculationExecutionId\":" + Wire.quote(calculationId) + "}";
        List<Long> polls = new ArrayList<>();
        while (true) {
            long pollBegin = System.nanoTime();
            JsonNode status = wire.call("GetCalculationExecutionStatus", statusRequest).get("Status");
            long pollEnd = System.nanoTime();
            polls.add(pollEnd - pollBegin);
            String state = status.get("State").asText();
            if (state.equals("COMPLETED")) {
                double server = Bench.apiMillisBetween(status.get("SubmissionDateTime").asText(),
                        status.get("CompletionDateTime").asText());
                return new ApiRun(calculationId, pollEnd - begin, startAnswered - begin,
                        polls.stream().mapToLong(Long::longValue).toArray(), server);
            }
            if (state.equals("FAILED") || state.equals("CANCELED")) {
                throw new IllegalStateException("calculation ended " + state + ": " + status + failureDetail.apply(calculationId));
            }
            if (pollEnd - begin > TIMEOUT_NANOS) {
                throw new IllegalStateException("calculation not COMPLETED after 120 s: " + status);
            }
            Bench.sleepMillis(pollSleepMillis);
        }
    }
}
