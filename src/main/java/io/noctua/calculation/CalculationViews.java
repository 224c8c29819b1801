package io.noctua.calculation;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.CalculationShapes.CalculationResult;
import io.noctua.api.CalculationShapes.CalculationStatistics;
import io.noctua.api.CalculationShapes.CalculationStatus;
import io.noctua.api.CalculationShapes.CalculationSummary;
import io.noctua.session.CalculationExecution;

/** A calculation record as the API's response shapes show it; Status and Statistics are always there. */
final class CalculationViews {
    private CalculationViews() {
    }

    static CalculationStatus status(CalculationExecution c) {
        return new CalculationStatus(c.submissionDateTime(), c.completionDateTime(), c.state(),
                c.state() == CalculationExecutionState.COMPLETED ? null : c.stateChangeReason());
    }

    static CalculationStatistics statistics(CalculationExecution c) {
        return new CalculationStatistics(c.dpuExecutionInMillis(), c.progress());
    }

    static CalculationResult result(CalculationExecution c) {
        if (c.stdOutS3Uri() == null) {
            return null;
        }
        return new CalculationResult(c.stdOutS3Uri(), c.stdErrorS3Uri(), c.resultS3Uri(), c.resultType());
    }

    static CalculationSummary summary(CalculationExecution c) {
        return new CalculationSummary(c.calculationExecutionId(), c.description(), status(c));
    }
}
