package io.noctua.calculation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.engine.RichOutputs;
import io.noctua.protocol.JsonCodec;
import io.noctua.results.ResultStore;
import io.noctua.results.ResultStore.ResultObject;
import io.noctua.results.S3Location;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Where a calculation's outputs go and how they are written (docs/calculation-results.md):
 * {@code <WorkingDirectory>/session/<SessionId>/<CalculationExecutionId>/stdout}, {@code .../stderr}
 * and the folder {@code .../result/} holding {@code result.json} (the value's MIME bundle) and
 * {@code outputs.json} (every rich output, in order).
 */
public final class CalculationOutputs {
    /** The result folder's type: MIME bundles, as a notebook kernel shows values (docs/calculation-results.md). */
    static final String RESULT_TYPE = "application/vnd.aws.athena.v1+json";
    static final String RESULT_FILE = "result.json";
    static final String OUTPUTS_FILE = "outputs.json";
    private static final String TEXT = "text/plain; charset=utf-8";

    private final ResultStore store;

    CalculationOutputs(ResultStore store) {
        this.store = requireNonNull(store, "store is null");
    }

    record Locations(S3Location stdOut, S3Location stdError, S3Location result) {
    }

    /** What the code produced: its printed text, and its value and rich outputs. */
    record Outcome(String stdOut, String stdError, RichOutputs rich) {
    }

    /** Where the outputs of a session's calculations are, each in a folder named by its id. */
    public static S3Location sessionFolder(String workingDirectory, String sessionId) {
        return S3Location.parse(workingDirectory).resolve("session/" + sessionId + "/");
    }

    static Locations locations(String workingDirectory, String sessionId, String calculationId) {
        S3Location folder = sessionFolder(workingDirectory, sessionId).resolve(calculationId + "/");
        return new Locations(folder.resolve("stdout"), folder.resolve("stderr"), folder.resolve("result/"));
    }

    /** All four at once; the calculation's final state is published only after they are stored. */
    void write(Locations locations, Outcome outcome) {
        ObjectNode result = outcome.rich().value() == null ? JsonCodec.mapper().createObjectNode() : outcome.rich().value();
        ObjectNode outputs = JsonCodec.mapper().createObjectNode();
        outputs.set("outputs", outcome.rich().outputs());
        store.write(List.of(
                new ResultObject(locations.result().resolve(RESULT_FILE), result.toString().getBytes(StandardCharsets.UTF_8), "application/json"),
                new ResultObject(locations.result().resolve(OUTPUTS_FILE), outputs.toString().getBytes(StandardCharsets.UTF_8), "application/json"),
                new ResultObject(locations.stdOut(), outcome.stdOut().getBytes(StandardCharsets.UTF_8), TEXT),
                new ResultObject(locations.stdError(), outcome.stdError().getBytes(StandardCharsets.UTF_8), TEXT)));
    }

    String describeStore() {
        return store.describe();
    }
}
