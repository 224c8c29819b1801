package io.noctua.engine;

import org.apache.spark.SparkConf;
import scala.Tuple2;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Spark's own web UI, as Noctua runs it when {@code spark.ui.enabled} is true:
 * <ul>
 * <li>on the host Noctua's API listens on ({@link #HOST}), not on every interface, which is where Spark
 * puts it unless the {@code SPARK_LOCAL_IP} variable says otherwise: the driver's configuration answers
 * Spark's question for that variable ({@link HostBound}), so nothing else about the process changes;</li>
 * <li>on a free port ({@code spark.ui.port} 0), not Spark's 4040: several servers run side by side;</li>
 * <li>read-only ({@code spark.ui.killEnabled} false): jobs are stopped through the API;</li>
 * <li>behind {@link SparkUiFilter}, which answers only while a Noctua server serves this driver, and
 * applies that server's rules (its host names, and its sign-in when it checks signatures).</li>
 * </ul>
 * A setting given explicitly wins, except the filter, which is always added.
 */
public final class SparkUi {
    /** Not a Spark property: the address Spark's UI binds to; {@link SparkEngine#start} takes it out before Spark sees the rest. */
    public static final String HOST = "noctua.spark-ui.host";
    /** Where the UI listens when {@link #HOST} is not given: this machine alone. */
    static final String DEFAULT_HOST = "127.0.0.1";

    private SparkUi() {
    }

    /** The driver's configuration for {@code uiHost}, with the UI's settings added to what {@code sparkConf} holds. */
    static SparkConf configure(SparkConf sparkConf, String uiHost) {
        SparkConf conf = new HostBound(uiHost);
        for (Tuple2<String, String> property : sparkConf.getAll()) {
            conf.set(property._1(), property._2());
        }
        conf.setIfMissing("spark.ui.port", "0");
        conf.setIfMissing("spark.ui.killEnabled", "false");
        Set<String> filters = new LinkedHashSet<>();
        filters.add(SparkUiFilter.class.getName());
        Arrays.stream(conf.get("spark.ui.filters", "").split(",")).map(String::strip).filter(f -> !f.isEmpty()).forEach(filters::add);
        conf.set("spark.ui.filters", String.join(",", filters));
        return conf;
    }

    /**
     * A driver configuration that answers {@code SPARK_LOCAL_IP} with the UI's host: Spark's web UI is
     * the only part of the driver that reads that variable through its configuration (the rest reads
     * the environment itself). Spark clones the configuration it is given, so a clone is one of these too.
     */
    static final class HostBound extends SparkConf {
        private static final long serialVersionUID = 1L;
        private final String uiHost;

        HostBound(String uiHost) {
            super(false);
            this.uiHost = uiHost;
        }

        @Override
        public String getenv(String name) {
            return "SPARK_LOCAL_IP".equals(name) ? uiHost : super.getenv(name);
        }

        @Override
        public SparkConf clone() {
            HostBound copy = new HostBound(uiHost);
            for (Tuple2<String, String> property : getAll()) {
                copy.set(property._1(), property._2());
            }
            return copy;
        }
    }
}
