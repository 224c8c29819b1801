package io.noctua.api;

/** {@code StateChangeReason} is a {@code DescriptionString} in the model: at most 1024 characters. */
public final class StateChangeReasons {
    public static final int MAX_LENGTH = 1024;

    private StateChangeReasons() {
    }

    /** The reason cut to the model's length (with "..." where cut); null stays null. */
    public static String fit(String reason) {
        if (reason == null || reason.length() <= MAX_LENGTH) {
            return reason;
        }
        return reason.substring(0, MAX_LENGTH - 3) + "...";
    }
}
