package io.noctua.protocol;

import io.noctua.api.AthenaException;

import static java.util.Objects.requireNonNull;

/**
 * A request refused before any operation sees it: not signed, signed by an unknown key or wrongly,
 * or one a browser could have forged. Named as AWS names these errors; HTTP 403, as AWS answers them.
 */
public final class AccessException extends AthenaException {
    private final String errorType;

    private AccessException(String errorType, String message) {
        super(message);
        this.errorType = requireNonNull(errorType, "errorType is null");
    }

    public static AccessException missingAuthenticationToken() {
        return new AccessException("MissingAuthenticationTokenException", "Missing Authentication Token");
    }

    public static AccessException unrecognizedClient() {
        return new AccessException("UnrecognizedClientException", "The security token included in the request is invalid.");
    }

    public static AccessException invalidSignature(String message) {
        return new AccessException("InvalidSignatureException", message);
    }

    public static AccessException incompleteSignature(String message) {
        return new AccessException("IncompleteSignatureException", message);
    }

    public static AccessException accessDenied(String message) {
        return new AccessException("AccessDeniedException", message);
    }

    @Override
    public String errorType() {
        return errorType;
    }

    @Override
    public int httpStatus() {
        return 403;
    }
}
