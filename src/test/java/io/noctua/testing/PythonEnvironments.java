package io.noctua.testing;

import io.noctua.config.NoctuaConfig;
import io.noctua.engine.python.PythonEnvironment;

import java.nio.file.Path;
import java.util.Map;

/**
 * Python environments for tests that need Athena's libraries (pandas, matplotlib, plotly...): built
 * by {@link PythonEnvironment} itself, as a server builds its own, under {@code target/} so that
 * later runs reuse them while the wanted packages stay the same.
 */
public final class PythonEnvironments {
    private static final Path FULL = Path.of("target", "python-env").toAbsolutePath();
    private static PythonEnvironment.Status full;

    private PythonEnvironments() {
    }

    /**
     * The {@code bin/python} of an environment with the default python.packages (pyspark may be
     * missing from it where the index does not serve it), to give as {@code python.executable}.
     * Throws if the environment cannot be built at all.
     */
    public static synchronized String full() {
        if (full == null) {
            PythonEnvironment.Status status = new PythonEnvironment(FULL, "python3", NoctuaConfig.from(Map.of()).pythonPackages(), System.out).ensure();
            if (!status.usable()) {
                throw new IllegalStateException("the tests' Python environment could not be built: " + status.problem());
            }
            if (!status.missing().isEmpty()) {
                System.out.println("the tests' Python environment in " + FULL + " lacks " + status.missing());
            }
            full = status;
        }
        return full.python().toString();
    }

    /** What {@link #full()} found in its environment: installed versions, and what is missing and why. */
    public static synchronized PythonEnvironment.Status fullStatus() {
        full();
        return full;
    }
}
