package io.noctua.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs a client program (the AWS CLI, python3 with boto3) as a person would, but with only the AWS
 * settings the test gives: the user's own AWS configuration, keys and profiles never reach it.
 */
public final class Commands {
    private Commands() {
    }

    public record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** Runs {@code command} with {@code environment} added to a clean AWS environment; fails the test past {@code timeout}. */
    public static Result run(List<String> command, Map<String, String> environment, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("AWS_"));
        env.put("AWS_CONFIG_FILE", "/nonexistent/noctua-test/aws-config");
        env.put("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/noctua-test/aws-credentials");
        env.put("AWS_PAGER", "");
        env.put("AWS_MAX_ATTEMPTS", "1");
        env.putAll(environment);
        Process process;
        try {
            process = builder.start();
            process.getOutputStream().close();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Thread outReader = new Thread(() -> copy(process.getInputStream(), stdout), command.get(0) + "-stdout");
        Thread errReader = new Thread(() -> copy(process.getErrorStream(), stderr), command.get(0) + "-stderr");
        outReader.start();
        errReader.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                outReader.join(TimeUnit.SECONDS.toMillis(10));
                errReader.join(TimeUnit.SECONDS.toMillis(10));
                fail(String.join(" ", command) + " did not end within " + timeout.toSeconds() + " s:\n" + text(stdout) + text(stderr));
            }
            outReader.join(TimeUnit.SECONDS.toMillis(10));
            errReader.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
        return new Result(process.exitValue(), text(stdout), text(stderr));
    }

    /** Why {@code probe} cannot run here (not installed, or it fails), or null if it runs. */
    public static String missing(List<String> probe) {
        try {
            Result result = run(probe, Map.of(), Duration.ofSeconds(60));
            return result.exitCode() == 0 ? null : String.join(" ", probe) + " failed: " + result;
        }
        catch (UncheckedIOException e) {
            return e.getMessage();
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (out) {
                    out.write(buffer, 0, n);
                }
            }
        }
        catch (IOException e) {
            // the process is gone; what was read is kept
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
