package io.noctua.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

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

    /** A page of a list held whole (sorted names): positions {@code from} to {@code to}, and the token of the next page. */
    public record Window(int from, int to, String nextToken) {
        /** The page {@code token} asks for, of at most {@code maxResults} (else {@code defaultLimit}) of {@code size} items. */
        public static Window of(String listing, String token, Integer maxResults, int size, int defaultLimit) {
            Long position = decodeLong(listing, token);
            int from = position == null ? 0 : (int) Math.min(Math.max(0, position), size);
            int limit = maxResults == null || maxResults <= 0 ? defaultLimit : maxResults;
            int to = (int) Math.min((long) from + limit, size);
            return new Window(from, to, to < size ? encode(listing, Integer.toString(to)) : null);
        }
    }

    /**
     * A page of rows read in key order (a name) after the key in {@code token}: {@code read(after, n)} is asked for one row
     * more than the page holds, to know whether another page follows, whose token holds the key of this page's last row.
     */
    public record KeyPage<T>(List<T> items, String nextToken) {
        /** At most {@code maxResults} (else {@code defaultLimit}) rows; {@code after} is null for the first page. */
        public static <T> KeyPage<T> read(String listing, String token, Integer maxResults, int defaultLimit,
                                          BiFunction<String, Integer, List<T>> read, Function<T, String> key) {
            String after = decode(listing, token);
            int limit = maxResults == null || maxResults <= 0 ? defaultLimit : maxResults;
            List<T> rows = read.apply(after, limit + 1);
            if (rows.size() <= limit) {
                return new KeyPage<>(rows, null);
            }
            List<T> page = List.copyOf(rows.subList(0, limit));
            return new KeyPage<>(page, encode(listing, key.apply(page.get(limit - 1))));
        }

        public <R> List<R> map(Function<T, R> mapper) {
            return items.stream().map(mapper).toList();
        }
    }
}
