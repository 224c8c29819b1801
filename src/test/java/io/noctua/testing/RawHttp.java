package io.noctua.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte for byte as the test writes it: for requests no HTTP client
 * library would send (forged headers, broken framing, stalls).
 */
public final class RawHttp {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RawHttp() {
    }

    /** A parsed answer: status, headers (lower-case names) and body. */
    public record Answer(int status, Map<String, String> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            }
            catch (IOException e) {
                throw new AssertionError("not JSON (HTTP " + status + "): " + body, e);
            }
        }

        public String type() {
            return json().path("__type").asText();
        }

        public String message() {
            return json().path("Message").asText();
        }
    }

    public static Socket connect(URI endpoint) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 5_000);
            socket.setSoTimeout(20_000);
            return socket;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code request} as it is, half-closes if asked, and reads one answer. */
    public static Answer exchange(URI endpoint, byte[] request, boolean halfClose) {
        try (Socket socket = connect(endpoint)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            if (halfClose) {
                socket.shutdownOutput();
            }
            return read(socket.getInputStream());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Answer exchange(URI endpoint, String request) {
        return exchange(endpoint, request.getBytes(StandardCharsets.UTF_8), false);
    }

    /** {@code POST /} of an Athena operation with the given extra header lines (each ending in CRLF). */
    public static String athenaRequest(URI endpoint, String operation, String body, String headers) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return "POST / HTTP/1.1\r\n"
                + (headers.toLowerCase(Locale.ROOT).contains("host:") ? "" : "Host: " + endpoint.getHost() + ":" + endpoint.getPort() + "\r\n")
                + "X-Amz-Target: AmazonAthena." + operation + "\r\n"
                + headers
                + "Content-Length: " + bytes.length + "\r\n"
                + "Connection: close\r\n"
                + "\r\n"
                + body;
    }

    /** Reads one response: by Content-Length, else to the end of the stream. */
    public static Answer read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("the server closed the connection without answering");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = line(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        byte[] body;
        if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        }
        else {
            body = in.readAllBytes();
        }
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return b < 0 && bytes.size() == 0 ? null : bytes.toString(StandardCharsets.ISO_8859_1);
    }
}
