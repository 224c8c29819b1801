package io.noctua.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * NextToken values: opaque to clients, tagged with the listing they belong to so that a token from one
 * listing is refused by another instead of silently skipping rows.
 */
public final class PageTokens {
    private PageTokens() {
    }

    public static String encode(String listing, String position) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((listing + ":" + position).getBytes(StandardCharsets.UTF_8));
    }

    /** The position in {@code token}, or null for no token. */
    public static String decode(String listing, String token) {
        if (token == null) {
            return null;
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (decoded.startsWith(listing + ":")) {
                return decoded.substring(listing.length() + 1);
            }
        }
        catch (IllegalArgumentException e) {
            // falls through to the error below
        }
        throw new InvalidRequestException("The NextToken is not valid for this listing; pass the NextToken of the previous page unchanged");
    }

    public static Long decodeLong(String listing, String token) {
        String position = decode(listing, token);
        if (position == null) {
            return null;
        }
        try {
            return Long.parseLong(position);
        }
        catch (NumberFormatException e) {
            throw new InvalidRequestException("The NextToken is not valid for this listing; pass the NextToken of the previous page unchanged");
        }
    }
}
