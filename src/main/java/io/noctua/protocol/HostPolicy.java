package io.noctua.protocol;

import io.noctua.http.HttpRequest;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Which requests can only have come from a client of this server, not from a web page in somebody's
 * browser. A page on another site can make the browser send requests here, and with DNS rebinding
 * even under its own host name; what it cannot do is name this server in {@code Host}, or hide its
 * own {@code Origin}. So a request must name a host this server serves, and may carry no Origin but
 * the server's own.
 */
public final class HostPolicy {
    private static final Logger LOG = Logger.getLogger(HostPolicy.class.getName());
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1", "[::1]");

    private final boolean anyHost;
    private final Set<String> names;

    private HostPolicy(boolean anyHost, Set<String> names) {
        this.anyHost = anyHost;
        this.names = Set.copyOf(names);
    }

    /**
     * The names a server listening on {@code listenHost} answers to: loopback names, {@code listenHost}
     * itself (for a wildcard address, the machine's name and addresses), and {@code allowedHosts}
     * ({@code *}: any name).
     */
    public static HostPolicy of(String listenHost, List<String> allowedHosts) {
        Set<String> names = new TreeSet<>(LOOPBACK_NAMES);
        boolean anyHost = false;
        for (String allowed : allowedHosts) {
            if (allowed.equals("*")) {
                anyHost = true;
            }
            else {
                names.add(normalize(allowed));
            }
        }
        names.add(normalize(listenHost));
        if (isWildcard(listenHost)) {
            names.addAll(machineNames());
        }
        return new HostPolicy(anyHost, names);
    }

    public Set<String> names() {
        return names;
    }

    /** Why the request is refused, if it is. */
    public Optional<String> refusal(HttpRequest request) {
        Optional<String> host = request.header("Host");
        if (!anyHost && host.isPresent() && !servesName(hostName(host.get()))) {
            return Optional.of("Host '" + host.get() + "' is not a name this server serves; a client reaches it by one of "
                    + String.join(", ", names) + " (the setting http.allowed-hosts adds names)");
        }
        Optional<String> origin = request.header("Origin");
        if (origin.isPresent() && !isOwnOrigin(origin.get(), host.orElse(""))) {
            return Optional.of("Origin '" + origin.get() + "' is not this server's: Noctua's API takes no requests from other web pages");
        }
        return Optional.empty();
    }

    private boolean servesName(String name) {
        return names.contains(name) || name.startsWith("127.");
    }

    /** A browser's Origin for a page of this server is its scheme and the Host it requested. */
    private static boolean isOwnOrigin(String origin, String host) {
        String lower = origin.toLowerCase(Locale.ROOT);
        String ownHost = host.toLowerCase(Locale.ROOT);
        return !ownHost.isEmpty() && (lower.equals("http://" + ownHost) || lower.equals("https://" + ownHost));
    }

    /** The name in a Host header: without the port, lower case; an IPv6 literal keeps its brackets off. */
    static String hostName(String hostHeader) {
        String host = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(1, end);
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    private static String normalize(String name) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        return lower.startsWith("[") && lower.endsWith("]") ? lower.substring(1, lower.length() - 1) : lower;
    }

    public static boolean isWildcard(String host) {
        return host.isBlank() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    /** Whether an address to listen on is reachable from this machine only. */
    public static boolean isLoopback(String host) {
        if (isWildcard(host)) {
            return false;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(normalize(host))) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        }
        catch (UnknownHostException e) {
            return false;
        }
    }

    /** For a server on every interface: the machine's host name and the addresses of its interfaces. */
    private static Set<String> machineNames() {
        Set<String> names = new TreeSet<>();
        try {
            InetAddress local = InetAddress.getLocalHost();
            names.add(normalize(local.getHostName()));
            names.add(normalize(local.getCanonicalHostName()));
        }
        catch (UnknownHostException e) {
            LOG.fine("the machine's host name is unknown: " + e.getMessage());
        }
        try {
            for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(network.getInetAddresses())) {
                    String text = address.getHostAddress();
                    int zone = text.indexOf('%');
                    names.add(normalize(zone < 0 ? text : text.substring(0, zone)));
                }
            }
        }
        catch (SocketException e) {
            LOG.fine("the machine's addresses cannot be listed: " + e.getMessage());
        }
        return names;
    }
}
