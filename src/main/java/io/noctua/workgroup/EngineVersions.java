package io.noctua.workgroup;

import java.util.List;
import java.util.Optional;

/** The engine versions Noctua accepts in {@code EngineVersion.SelectedEngineVersion}. */
public final class EngineVersions {
    public static final String AUTO = "AUTO";
    public static final String ATHENA_3 = "Athena engine version 3";
    public static final String PYSPARK_3 = "PySpark engine version 3";

    /** Selected version, then what it resolves to; ListEngineVersions returns them in this order. */
    public static final List<List<String>> ALL = List.of(
            List.of(AUTO, ATHENA_3),
            List.of(ATHENA_3, ATHENA_3),
            List.of(PYSPARK_3, PYSPARK_3));

    private EngineVersions() {
    }

    public static Optional<String> resolve(String selected) {
        return ALL.stream().filter(pair -> pair.get(0).equals(selected)).map(pair -> pair.get(1)).findFirst();
    }

    public static String effective(String selected) {
        return resolve(selected).orElse(selected);
    }
}
