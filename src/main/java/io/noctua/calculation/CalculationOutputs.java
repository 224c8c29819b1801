package io.noctua.calculation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.protocol.JsonCodec;
import io.noctua.results.ResultStore;
import io.noctua.results.ResultStore.ResultObject;
import io.noctua.results.S3Location;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Where a calculation's outputs go and how they are written:
 * {@code <WorkingDirectory>/session/<SessionId>/<CalculationExecutionId>/stdout}, {@code .../stderr}
 * and the folder {@code .../result/} holding {@code result.json}.
 */
final class CalculationOutputs {
    /** The result document's type: a JSON object of MIME type to content, as a notebook kernel shows a value. */
    static final String RESULT_TYPE = "application/vnd.aws.athena.v1+json";
    static final String RESULT_FILE = "result.json";
    private static final String TEXT = "text/plain; charset=utf-8";

    private final ResultStore store;

    CalculationOutputs(ResultStore store) {
        this.store = requireNonNull(store, "store is null");
    }

    record Locations(S3Location stdOut, S3Location stdError, S3Location result) {
    }

    /** What the code produced; {@code textResult} is the value shown as the result, or null. */
    record Outcome(String stdOut, String stdError, String textResult) {
    }

    static Locations locations(String workingDirectory, String sessionId, String calculationId) {
        S3Location folder = S3Location.parse(workingDirectory).resolve("session/" + sessionId + "/" + calculationId + "/");
        return new Locations(folder.resolve("stdout"), folder.resolve("stderr"), folder.resolve("result/"));
    }

    /** All three at once; the calculation's final state is published only after they are stored. */
    void write(Locations locations, Outcome outcome) {
        ObjectNode result = JsonCodec.mapper().createObjectNode();
        if (outcome.textResult() != null) {
            result.put("text/plain", outcome.textResult());
        }
        store.write(List.of(
                new ResultObject(locations.result().resolve(RESULT_FILE), result.toString().getBytes(StandardCharsets.UTF_8), "application/json"),
                new ResultObject(locations.stdOut(), outcome.stdOut().getBytes(StandardCharsets.UTF_8), TEXT),
                new ResultObject(locations.stdError(), outcome.stdError().getBytes(StandardCharsets.UTF_8), TEXT)));
    }

    String describeStore() {
        return store.describe();
    }
}
