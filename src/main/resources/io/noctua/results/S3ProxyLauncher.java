/*
 * Starts s3proxy for Noctua and ends it with Noctua: run as a single-file source program
 * (java -cp s3proxy.jar S3ProxyLauncher.java --properties FILE), it exits as soon as its standard
 * input closes, which happens when the Noctua process that started it ends, however it ends.
 * It uses only the JDK and s3proxy, so that none of Noctua's (Spark's) libraries meet s3proxy's.
 */
public class S3ProxyLauncher {
    public static void main(String[] args) throws Exception {
        Thread watch = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is sent; end of input means Noctua is gone
                }
            }
            catch (java.io.IOException ignored) {
                // the pipe broke: Noctua is gone as well
            }
            System.exit(0);
        }, "noctua-parent-watch");
        watch.setDaemon(true);
        watch.start();
        Class.forName("org.gaul.s3proxy.Main").getMethod("main", String[].class).invoke(null, (Object) args);
    }
}
