package io.noctua.http;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.BindException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Noctua's HTTP server, on Jetty: bounded header size, an idle timeout on every connection, bodies
 * read without holding a thread (a client that stalls mid-request costs a connection, never a
 * thread), and a size limit on every body. A route runs only once its request is whole. What goes
 * wrong before that (malformed framing, a body too large) is answered by {@link ErrorPages}, never
 * with a stack trace.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HttpServer.class.getName());

    /**
     * @param threads threads that run routes (Jetty's acceptor and selector come on top)
     * @param idleTimeout how long a connection may send nothing (headers or body) before it is closed
     */
    public record Settings(String host, int port, int threads, int maxRequestBytes, int maxHeaderBytes, Duration idleTimeout) {
        public Settings {
            requireNonNull(host, "host is null");
            requireNonNull(idleTimeout, "idleTimeout is null");
        }
    }

    /** How the server's own refusals look: malformed requests, bodies over the limit, bad headers. */
    @FunctionalInterface
    public interface ErrorPages {
        HttpResponse error(int status, String reason);
    }

    private final Server server;
    private final ServerConnector connector;

    private HttpServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    public static HttpServer start(Settings settings, Route route, ErrorPages errors) {
        // Jetty leases an acceptor, a selector and a reserved thread from the pool on top of the routes' threads
        QueuedThreadPool threads = new QueuedThreadPool(settings.threads() + 3, Math.min(4, settings.threads() + 3));
        threads.setName("http");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setRequestHeaderSize(settings.maxHeaderBytes());
        // one acceptor and one selector: the work is in the routes, and the machine may have 2 cores
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        connector.setIdleTimeout(settings.idleTimeout().toMillis());
        connector.setAcceptQueueSize(256);
        server.addConnector(connector);
        server.setHandler(new Adapter(route, errors, settings.maxRequestBytes()));
        server.setErrorHandler(new JsonErrorHandler(errors));
        try {
            server.start();
        }
        catch (Exception e) {
            try {
                server.stop();
            }
            catch (Exception ignored) {
                // nothing more to release
            }
            Throwable cause = e.getCause() instanceof BindException ? e.getCause() : e;
            String reason = cause.getMessage() != null ? cause.getMessage() : cause.toString();
            throw new HttpServerException("cannot listen on " + settings.host() + ":" + settings.port() + ": " + reason, e);
        }
        return new HttpServer(server, connector);
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** Stops accepting, lets responses being written finish briefly, then closes every connection. */
    @Override
    public void close() {
        try {
            server.setStopTimeout(1_000);
            server.stop();
        }
        catch (Exception e) {
            LOG.log(Level.WARNING, "the HTTP server did not stop cleanly", e);
        }
    }

    /** The server could not start: its port is taken, its address is not this machine's... */
    public static final class HttpServerException extends RuntimeException {
        HttpServerException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** From Jetty's request to a whole {@link HttpRequest}, and from the route's answer back. */
    private static final class Adapter extends Handler.Abstract {
        /** How many times the limit a refused body may be read (and dropped) to deliver its 413 reliably. */
        private static final int DISCARD_FACTOR = 16;
        private final Route route;
        private final ErrorPages errors;
        private final int maxRequestBytes;

        Adapter(Route route, ErrorPages errors, int maxRequestBytes) {
            this.route = route;
            this.errors = errors;
            this.maxRequestBytes = maxRequestBytes;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (request.getLength() > maxRequestBytes) {
                refuseTooLarge(request, response, callback);
                return true;
            }
            // the body arrives whole in one read, or later: then no thread waits for it meanwhile, and the
            // answer is made on a pool thread (BLOCKING), never on the selector
            Content.Source.asByteArrayAsync(request, maxRequestBytes, Promise.Invocable.from(InvocationType.BLOCKING,
                    (bytes, failure) -> answer(request, response, callback, bytes, failure)));
            return true;
        }

        private void answer(Request request, Response response, Callback callback, byte[] bytes, Throwable failure) {
            HttpResponse answer;
            if (failure != null && tooLarge(request, failure)) {
                refuseTooLarge(request, response, callback); // a chunked body that outgrew the limit
                return;
            }
            if (failure != null) {
                answer = unreadable(request, failure);
            }
            else {
                try {
                    answer = route.handle(toRequest(request, bytes));
                }
                catch (RuntimeException | Error e) { // routes answer their own errors; this is a bug
                    LOG.log(Level.SEVERE, "route failed on " + request.getMethod() + " " + request.getHttpURI().getPath(), e);
                    answer = errors.error(500, "Internal error");
                }
            }
            write(request, response, callback, answer);
        }

        private HttpResponse unreadable(Request request, Throwable failure) {
            if (tooLarge(request, failure)) {
                return tooLarge().withHeader("Connection", "close");
            }
            String reason = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
            String line = "could not read the body of " + request.getMethod() + " " + request.getHttpURI().getPath() + " from "
                    + Request.getRemoteAddr(request) + ": " + reason;
            if (failure instanceof EofException) {
                LOG.fine(line); // the client went away (or stopped sending) in the middle of its request
            }
            else {
                LOG.warning(line); // a client sent something that is not HTTP: worth a line, not a stack trace
            }
            return errors.error(400, "The request body could not be read: " + reason).withHeader("Connection", "close");
        }

        private boolean tooLarge(Request request, Throwable failure) {
            return failure instanceof IllegalArgumentException || Request.getContentBytesRead(request) > maxRequestBytes;
        }

        /**
         * Answers 413 at once, then reads and drops what the client still sends of its body, up to
         * {@link #DISCARD_FACTOR} times the limit, before the connection closes. Closing while the
         * client is still sending makes the kernel answer the unread bytes with a reset, and a reset
         * can destroy the 413 in the client's buffers before the client reads it: the client would
         * see a broken connection instead of the error. A client that waits for a 100 Continue sends
         * nothing more, and a body larger than the allowance is not worth reading: both close at
         * once. Nothing read is kept, and no thread waits for the bytes.
         */
        private void refuseTooLarge(Request request, Response response, Callback callback) {
            long allowance = (long) maxRequestBytes * DISCARD_FACTOR;
            boolean waitsForContinue = request.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString());
            Callback then = waitsForContinue || request.getLength() > allowance
                    ? callback
                    : Callback.from(() -> discard(request, allowance, callback), callback::failed);
            write(request, response, then, tooLarge().withHeader("Connection", "close"));
        }

        private static void discard(Request request, long allowance, Callback callback) {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(() -> discard(request, allowance, callback));
                    return;
                }
                boolean done = chunk.isLast() || Content.Chunk.isFailure(chunk);
                chunk.release();
                if (done || Request.getContentBytesRead(request) > allowance) {
                    callback.succeeded();
                    return;
                }
            }
        }

        private HttpResponse tooLarge() {
            return errors.error(413, "The request body is larger than " + maxRequestBytes + " bytes");
        }

        private static HttpRequest toRequest(Request request, byte[] body) {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (var field : request.getHeaders()) {
                headers.computeIfAbsent(field.getLowerCaseName(), name -> new ArrayList<>(1)).add(field.getValue());
            }
            return new HttpRequest(request.getMethod(), request.getHttpURI().getPath(), request.getHttpURI().getQuery(), headers, body);
        }

        private static void write(Request request, Response response, Callback callback, HttpResponse answer) {
            response.setStatus(answer.status());
            HttpFields.Mutable headers = response.getHeaders();
            answer.headers().forEach(headers::put);
            headers.put(HttpHeader.CONTENT_LENGTH, answer.body().length);
            boolean head = HttpMethod.HEAD.is(request.getMethod());
            response.write(true, head ? null : ByteBuffer.wrap(answer.body()), callback);
        }
    }

    /**
     * Jetty's own refusals (a request line or headers it cannot parse, bad chunking, headers too
     * large) in the server's error shape: one log line, no stack trace, no HTML.
     */
    private static final class JsonErrorHandler extends ErrorHandler {
        private final ErrorPages errors;

        JsonErrorHandler(ErrorPages errors) {
            this.errors = errors;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = response.getStatus() >= 400 ? response.getStatus() : 500;
            Object message = request.getAttribute(ERROR_MESSAGE);
            HttpResponse answer = errors.error(status, message == null ? reasonOf(status) : message.toString());
            String line = "refused a malformed request from " + Request.getRemoteAddr(request) + ": " + status + " " + message;
            if (clientWentAway(request.getAttribute(ERROR_EXCEPTION))) {
                LOG.fine(line); // the client closed the connection in the middle of its request: nobody to tell
            }
            else if (status < 500) {
                LOG.warning(line);
            }
            response.setStatus(answer.status());
            answer.headers().forEach(response.getHeaders()::put);
            response.write(true, ByteBuffer.wrap(answer.body()), callback);
            return true;
        }

        /** Jetty reports a connection closed mid-request as an EofException, or as its parser's "Early EOF". */
        private static boolean clientWentAway(Object failure) {
            for (Throwable t = failure instanceof Throwable throwable ? throwable : null; t != null; t = t.getCause()) {
                if (t instanceof EofException || "Early EOF".equals(t.getMessage()) || "400: Early EOF".equals(t.getMessage())) {
                    return true;
                }
            }
            return false;
        }

        private static String reasonOf(int status) {
            return "HTTP " + status;
        }
    }

}
