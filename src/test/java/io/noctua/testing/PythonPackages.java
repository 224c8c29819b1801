package io.noctua.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Python packages a test needs beyond the interpreter's own: installed once with pip (from whatever
 * index pip is configured with) into {@code target/python-packages}, which the test puts on
 * PYTHONPATH. Nothing is installed into the machine's Python.
 */
public final class PythonPackages {
    private static final Path DIR = Path.of("target", "python-packages").toAbsolutePath();

    private PythonPackages() {
    }

    /** The PYTHONPATH under which {@code module} imports, installing {@code distribution} if needed; null (with the reason printed) if it cannot be had. */
    public static synchronized String ensure(String distribution, String module) {
        Map<String, String> env = Map.of("PYTHONPATH", DIR.toString());
        if (Commands.run(List.of("python3", "-c", "import " + module), env, Duration.ofSeconds(60)).exitCode() == 0) {
            return DIR.toString();
        }
        try {
            Files.createDirectories(DIR);
        }
        catch (java.io.IOException e) {
            System.out.println("cannot create " + DIR + ": " + e.getMessage());
            return null;
        }
        // no retries: where one of pip's indexes cannot be reached (pypi.org from a machine with a local mirror), each
        // package would otherwise wait through pip's backoff, 7 s a package (nbformat and its ten dependencies: 90 s against 6 s)
        Commands.Result install = Commands.run(List.of("python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--retries", "0", "--target", DIR.toString(), distribution), Map.of(), Duration.ofMinutes(5));
        if (install.exitCode() != 0
                || Commands.run(List.of("python3", "-c", "import " + module), env, Duration.ofSeconds(60)).exitCode() != 0) {
            System.out.println("pip could not install " + distribution + " into " + DIR + ":\n" + install);
            return null;
        }
        return DIR.toString();
    }
}
