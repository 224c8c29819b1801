package io.noctua.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.athena.AthenaClient;

/** One {@link TestingServer} for all tests of a class: {@code @RegisterExtension static final ServerExtension server = new ServerExtension();} */
public final class ServerExtension implements BeforeAllCallback, AfterAllCallback {
    private TestingServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = TestingServer.start();
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
