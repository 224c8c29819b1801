package io.noctua.api;

import java.util.List;
import java.util.Map;

/**
 * {@code MonitoringConfiguration}, named as in the Athena model: where a Spark session's logs go. It is a member of
 * StartSession's input, GetSession's output and a workgroup's {@code Configuration} (and {@code ConfigurationUpdates}).
 */
public final class MonitoringShapes {
    private MonitoringShapes() {
    }

    public record MonitoringConfiguration(CloudWatchLoggingConfiguration cloudWatchLoggingConfiguration,
                                          ManagedLoggingConfiguration managedLoggingConfiguration,
                                          S3LoggingConfiguration s3LoggingConfiguration) {
    }

    public record S3LoggingConfiguration(Boolean enabled, String kmsKey, String logLocation) {
    }

    public record CloudWatchLoggingConfiguration(Boolean enabled, String logGroup, String logStreamNamePrefix,
                                                 Map<String, List<String>> logTypes) {
    }

    public record ManagedLoggingConfiguration(Boolean enabled, String kmsKey) {
    }
}
