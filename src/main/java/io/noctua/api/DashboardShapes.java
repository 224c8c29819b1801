package io.noctua.api;

/** The input and output of GetResourceDashboard, named as in the Athena model. */
public final class DashboardShapes {
    private DashboardShapes() {
    }

    public record GetResourceDashboardRequest(String resourceARN) {
    }

    public record GetResourceDashboardResponse(String url) {
    }
}
