package io.noctua.testing;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Whether the tests' python3 can import pyspark 3.5, which decides which Python tests run. */
public final class Pyspark {
    private static String missing;
    private static boolean checked;

    private Pyspark() {
    }

    /** Why python3 cannot bind {@code spark}, or null if it can. */
    public static synchronized String missing() {
        if (!checked) {
            missing = check();
            checked = true;
        }
        return missing;
    }

    private static String check() {
        try {
            Process process = new ProcessBuilder("python3", "-c",
                    "import pyspark, sys; sys.exit(0 if pyspark.__version__.startswith('3.5') else 3)")
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes()).strip();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "python3 -c 'import pyspark' did not finish";
            }
            return switch (process.exitValue()) {
                case 0 -> null;
                case 3 -> "python3's pyspark is not 3.5";
                default -> "python3 cannot import pyspark (pip install 'pyspark==3.5.*'): " + output.lines().reduce((a, b) -> b).orElse("");
            };
        }
        catch (IOException e) {
            return "python3 is not installed: " + e.getMessage();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
