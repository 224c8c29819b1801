package io.noctua.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.MonitoringShapes.MonitoringConfiguration;
import io.noctua.api.MonitoringShapes.S3LoggingConfiguration;
import io.noctua.protocol.JsonCodec;
import io.noctua.results.S3Location;

import java.util.Optional;

/**
 * Athena's {@code MonitoringConfiguration} rules beyond the model's constraints (which the protocol checks first), and a
 * session's effective configuration. Of its three members Noctua delivers one, {@code S3LoggingConfiguration}
 * ({@link SessionLogs}); {@code CloudWatchLoggingConfiguration} and {@code ManagedLoggingConfiguration} are kept and
 * returned as given, and deliver nothing.
 */
public final class MonitoringConfigurations {
    private static final MonitoringConfiguration NONE = new MonitoringConfiguration(null, null, null);

    private MonitoringConfigurations() {
    }

    /**
     * Refuses S3 logging that is enabled without a {@code LogLocation}, and a {@code LogLocation} that is not an
     * {@code s3://bucket/prefix} Noctua can write to; {@code member} names the configuration in the message
     * ({@code MonitoringConfiguration}, {@code Configuration.MonitoringConfiguration}, ...).
     */
    public static void check(MonitoringConfiguration configuration, String member) {
        S3LoggingConfiguration s3 = configuration == null ? null : configuration.s3LoggingConfiguration();
        if (s3 == null) {
            return;
        }
        String location = s3.logLocation();
        if (Boolean.TRUE.equals(s3.enabled()) && (location == null || location.isEmpty())) {
            throw new InvalidRequestException(member + ".S3LoggingConfiguration.LogLocation is required when S3 logging is enabled: "
                    + "the s3:// prefix the session's logs are written under (s3://bucket/prefix/)");
        }
        if (location != null && !(location.startsWith("s3://") && S3Location.isValid(location))) {
            throw new InvalidRequestException(member + ".S3LoggingConfiguration.LogLocation '" + location + "' is not an s3:// location: "
                    + "expected s3://bucket/prefix/, with a bucket name of 3 to 63 lower-case letters, digits and hyphens");
        }
    }

    /**
     * A session's configuration: each of the three members the session's own if it gives it, else its workgroup's; null
     * when neither gives any.
     */
    public static MonitoringConfiguration effective(MonitoringConfiguration session, MonitoringConfiguration workGroup) {
        if (session == null && workGroup == null) {
            return null;
        }
        MonitoringConfiguration own = session == null ? NONE : session;
        MonitoringConfiguration inherited = workGroup == null ? NONE : workGroup;
        MonitoringConfiguration effective = new MonitoringConfiguration(
                first(own.cloudWatchLoggingConfiguration(), inherited.cloudWatchLoggingConfiguration()),
                first(own.managedLoggingConfiguration(), inherited.managedLoggingConfiguration()),
                first(own.s3LoggingConfiguration(), inherited.s3LoggingConfiguration()));
        return effective.equals(NONE) ? null : effective;
    }

    private static <T> T first(T own, T inherited) {
        return own != null ? own : inherited;
    }

    /** The {@code MonitoringConfiguration} of a workgroup's {@code Configuration} (a JSON object), or null. */
    public static MonitoringConfiguration of(ObjectNode workGroupConfiguration) {
        JsonNode node = workGroupConfiguration.get("MonitoringConfiguration");
        return node instanceof ObjectNode object ? JsonCodec.decode(object, MonitoringConfiguration.class) : null;
    }

    /** Where S3 logging writes, if it is enabled: the {@code LogLocation}. */
    public static Optional<S3Location> s3LogLocation(MonitoringConfiguration configuration) {
        S3LoggingConfiguration s3 = configuration == null ? null : configuration.s3LoggingConfiguration();
        if (s3 == null || !Boolean.TRUE.equals(s3.enabled()) || s3.logLocation() == null || !S3Location.isValid(s3.logLocation())) {
            return Optional.empty();
        }
        return Optional.of(S3Location.parse(s3.logLocation()));
    }

    /** Which of the members Noctua keeps without delivering are enabled, for the driver log's first lines. */
    static Optional<String> undelivered(MonitoringConfiguration configuration) {
        if (configuration == null) {
            return Optional.empty();
        }
        boolean cloudWatch = configuration.cloudWatchLoggingConfiguration() != null
                && Boolean.TRUE.equals(configuration.cloudWatchLoggingConfiguration().enabled());
        boolean managed = configuration.managedLoggingConfiguration() != null
                && Boolean.TRUE.equals(configuration.managedLoggingConfiguration().enabled());
        if (!cloudWatch && !managed) {
            return Optional.empty();
        }
        String which = cloudWatch && managed ? "CloudWatch logging and managed logging are"
                : cloudWatch ? "CloudWatch logging is" : "managed logging is";
        return Optional.of(which + " enabled, and Noctua does not deliver it: only S3 logging writes logs");
    }
}
