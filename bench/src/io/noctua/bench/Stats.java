package io.noctua.bench;

import java.util.Arrays;

/**
 * Order statistics of a set of durations. Percentiles are nearest-rank: the p-th percentile of n
 * sorted values is the value at rank ceil(p/100 * n), so it is always a measured value; the median
 * of an even count is the lower of the two middle values.
 */
final class Stats {
    private final double[] sortedMillis;

    private Stats(double[] sortedMillis) {
        this.sortedMillis = sortedMillis;
    }

    static Stats ofNanos(long[] nanos, int count) {
        double[] millis = new double[count];
        for (int i = 0; i < count; i++) {
            millis[i] = nanos[i] / 1_000_000.0;
        }
        Arrays.sort(millis);
        return new Stats(millis);
    }

    static Stats ofNanos(long[] nanos) {
        return ofNanos(nanos, nanos.length);
    }

    static Stats ofMillis(double[] millis) {
        double[] copy = millis.clone();
        Arrays.sort(copy);
        return new Stats(copy);
    }

    int count() {
        return sortedMillis.length;
    }

    double percentile(double p) {
        if (sortedMillis.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sortedMillis.length);
        return sortedMillis[Math.max(0, Math.min(sortedMillis.length - 1, rank - 1))];
    }

    double median() {
        return percentile(50);
    }

    double min() {
        return sortedMillis.length == 0 ? Double.NaN : sortedMillis[0];
    }

    double max() {
        return sortedMillis.length == 0 ? Double.NaN : sortedMillis[sortedMillis.length - 1];
    }

    double mean() {
        return Arrays.stream(sortedMillis).average().orElse(Double.NaN);
    }

    /** One line: count, min, p50, p90, p99, max and mean, in milliseconds. */
    String describe() {
        return String.format("n=%d  min=%s  p50=%s  p90=%s  p99=%s  max=%s  mean=%s (ms)", count(), ms(min()), ms(median()),
                ms(percentile(90)), ms(percentile(99)), ms(max()), ms(mean()));
    }

    static String ms(double millis) {
        if (Double.isNaN(millis)) {
            return "n/a";
        }
        return millis < 10 ? String.format("%.3f", millis) : String.format("%.1f", millis);
    }
}
