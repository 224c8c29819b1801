package io.noctua.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.athena.AthenaClient;

import java.util.Map;

/** One {@link TestingServer} for all tests of a class: {@code @RegisterExtension static final ServerExtension server = new ServerExtension();} */
public final class ServerExtension implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, String> settings;
    private TestingServer server;

    public ServerExtension() {
        this(Map.of());
    }

    /** A server with {@code settings} over the test defaults. */
    public ServerExtension(Map<String, String> settings) {
        this.settings = Map.copyOf(settings);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = settings.isEmpty() ? TestingServer.start() : TestingServer.start(TestingServer.temporaryDirectory("noctua-test-"), settings);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    public TestingServer server() {
        return server;
    }

    public AthenaClient client() {
        return server.client();
    }
}
