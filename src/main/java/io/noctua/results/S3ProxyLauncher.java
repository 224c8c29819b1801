package io.noctua.results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * The main class of the embedded S3 store's process: starts s3proxy, says when it listens, and ends
 * it with Noctua. Run as {@code java -cp s3proxy.jar:DIR io.noctua.results.S3ProxyLauncher READY
 * --properties FILE}, where DIR holds only this class's file, copied there by EmbeddedS3Server, so
 * that none of Noctua's (Spark's) libraries meet s3proxy's. Hence it uses the JDK only, by name
 * s3proxy, and stays one class file: no nested, anonymous or other classes.
 * <p>
 * It exits as soon as its standard input closes, which happens when the Noctua process that started
 * it ends, however it ends. Once s3proxy listens, it writes its pid to READY; if s3proxy cannot
 * start, it exits with code 1, so its parent never takes another program on the port for it.
 */
final class S3ProxyLauncher {
    private S3ProxyLauncher() {}

    public static void main(String[] args) {
        Thread watch = new Thread(S3ProxyLauncher::exitAtEndOfInput, "noctua-parent-watch");
        watch.setDaemon(true);
        watch.start();
        try {
            Path ready = Path.of(args[0]);
            // returns once s3proxy's HTTP connector is bound; exits with 1 itself if that fails
            Class.forName("org.gaul.s3proxy.Main").getMethod("main", String[].class)
                    .invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
            Path written = ready.resolveSibling(ready.getFileName() + ".tmp");
            Files.writeString(written, Long.toString(ProcessHandle.current().pid()));
            Files.move(written, ready, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (Throwable e) {
            // s3proxy's own threads would keep a half-started process alive
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void exitAtEndOfInput() {
        try {
            while (System.in.read() >= 0) {
                // nothing is sent; end of input means Noctua is gone
            }
        }
        catch (IOException ignored) {
            // the pipe broke: Noctua is gone as well
        }
        System.exit(0);
    }
}
