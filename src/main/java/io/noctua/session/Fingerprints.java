package io.noctua.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.protocol.JsonCodec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The digest of a request's parameters, without its ClientRequestToken: a repeat with the same token
 * and the same digest is the same request; the same token with another digest is refused.
 */
public final class Fingerprints {
    private Fingerprints() {
    }

    public static String of(Object request, String tokenMember) {
        ObjectNode tree = JsonCodec.mapper().valueToTree(request);
        tree.remove(tokenMember);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(tree.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
