package io.noctua.engine;

/** What a running calculation has done so far, as its Statistics show it. */
public interface CalculationProgress {
    /** The {@code Statistics.Progress} string; {@code finished}: the calculation COMPLETED. */
    String describe(boolean finished);

    /** {@code Statistics.DpuExecutionInMillis} so far. */
    long dpuMillis();
}
