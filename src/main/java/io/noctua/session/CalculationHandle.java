package io.noctua.session;

/** What a session knows of the calculation running in it: enough to stop it. */
public interface CalculationHandle {
    String calculationExecutionId();

    /** Asks the calculation to stop; it ends CANCELED with {@code reason}. Returns at once. */
    void cancel(String reason);
}
