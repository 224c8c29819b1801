package io.noctua.store;

import java.util.List;

/**
 * The schema, as numbered steps applied in order and recorded in {@code schema_version}. A step is
 * never edited once released: a change is a new step.
 */
final class Migrations {
    /** The tables of the current schema besides {@code schema_version}: a store without one of them is damaged. */
    static final List<String> TABLES = List.of("work_groups", "sessions", "calculations", "query_executions",
            "named_queries", "prepared_statements", "servers", "cluster_secret", "tags", "capacity_reservations", "capacity_assignments", "data_catalogs", "notebooks",
            "calculation_spark_jobs");

    private Migrations() {
    }

    static List<String> steps(SqlDialect dialect) {
        String seq = dialect.sequenceColumn("seq");
        String ordered = dialect.orderedText();
        return List.of(
                """
                CREATE TABLE work_groups (
                    name %2$s PRIMARY KEY,
                    state TEXT NOT NULL,
                    description TEXT,
                    configuration TEXT NOT NULL,
                    creation_time BIGINT NOT NULL
                );
                CREATE TABLE sessions (
                    %1$s,
                    session_id TEXT NOT NULL UNIQUE,
                    work_group TEXT NOT NULL,
                    description TEXT,
                    engine_configuration TEXT NOT NULL,
                    notebook_version TEXT,
                    execution_role TEXT,
                    idle_timeout_minutes INTEGER NOT NULL,
                    working_directory TEXT,
                    state TEXT NOT NULL,
                    state_change_reason TEXT,
                    start_time BIGINT NOT NULL,
                    last_modified_time BIGINT NOT NULL,
                    end_time BIGINT,
                    idle_since_time BIGINT,
                    dpu_millis BIGINT NOT NULL,
                    client_request_token TEXT,
                    request_fingerprint TEXT
                );
                CREATE UNIQUE INDEX sessions_token ON sessions (client_request_token) WHERE client_request_token IS NOT NULL;
                CREATE INDEX sessions_by_work_group ON sessions (work_group, seq);
                CREATE TABLE calculations (
                    %1$s,
                    calculation_id TEXT NOT NULL UNIQUE,
                    session_id TEXT NOT NULL,
                    description TEXT,
                    code TEXT NOT NULL,
                    working_directory TEXT,
                    state TEXT NOT NULL,
                    state_change_reason TEXT,
                    submission_time BIGINT NOT NULL,
                    completion_time BIGINT,
                    dpu_millis BIGINT NOT NULL,
                    progress TEXT NOT NULL,
                    std_out_uri TEXT,
                    std_error_uri TEXT,
                    result_uri TEXT,
                    result_type TEXT,
                    client_request_token TEXT,
                    request_fingerprint TEXT
                );
                CREATE INDEX calculations_by_session ON calculations (session_id, seq);
                CREATE UNIQUE INDEX calculations_token ON calculations (session_id, client_request_token)
                    WHERE client_request_token IS NOT NULL;
                """.formatted(seq, ordered),
                """
                CREATE TABLE query_executions (
                    %1$s,
                    query_execution_id TEXT NOT NULL UNIQUE,
                    query TEXT NOT NULL,
                    statement TEXT NOT NULL,
                    statement_type TEXT NOT NULL,
                    substatement_type TEXT NOT NULL,
                    work_group TEXT NOT NULL,
                    catalog_name TEXT,
                    database_name TEXT,
                    output_location TEXT NOT NULL,
                    execution_parameters TEXT,
                    selected_engine_version TEXT,
                    effective_engine_version TEXT,
                    client_request_token TEXT,
                    request_fingerprint TEXT,
                    submission_time BIGINT NOT NULL,
                    state TEXT NOT NULL,
                    state_change_reason TEXT,
                    error_category INTEGER,
                    error_type INTEGER,
                    error_retryable BOOLEAN,
                    error_message TEXT,
                    start_time BIGINT,
                    completion_time BIGINT,
                    data_scanned_bytes BIGINT NOT NULL,
                    input_rows BIGINT NOT NULL,
                    output_rows BIGINT NOT NULL,
                    result_columns TEXT
                );
                CREATE UNIQUE INDEX query_executions_token ON query_executions (client_request_token)
                    WHERE client_request_token IS NOT NULL;
                CREATE INDEX query_executions_by_work_group ON query_executions (work_group, seq);
                CREATE INDEX query_executions_unfinished ON query_executions (state);
                CREATE TABLE named_queries (
                    %1$s,
                    named_query_id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    description TEXT,
                    database_name TEXT NOT NULL,
                    query_string TEXT NOT NULL,
                    work_group TEXT NOT NULL,
                    client_request_token TEXT,
                    request_fingerprint TEXT,
                    creation_time BIGINT NOT NULL
                );
                CREATE UNIQUE INDEX named_queries_token ON named_queries (client_request_token) WHERE client_request_token IS NOT NULL;
                CREATE INDEX named_queries_by_work_group ON named_queries (work_group, seq);
                CREATE TABLE prepared_statements (
                    work_group TEXT NOT NULL,
                    statement_name %2$s NOT NULL,
                    query_statement TEXT NOT NULL,
                    description TEXT,
                    last_modified_time BIGINT NOT NULL,
                    PRIMARY KEY (work_group, statement_name)
                );
                """.formatted(seq, ordered),
                // several servers on one store: each start of a server keeps a lease; sessions and queries name the server
                // that runs them (rows from before this step name none: they belong to whichever server ends them first)
                """
                CREATE TABLE servers (
                    server_id %1$s PRIMARY KEY,
                    data_dir_id TEXT NOT NULL,
                    endpoint TEXT NOT NULL,
                    started_time BIGINT NOT NULL,
                    lease_expires BIGINT NOT NULL,
                    active_sessions INTEGER NOT NULL
                );
                CREATE TABLE cluster_secret (
                    id INTEGER PRIMARY KEY,
                    secret TEXT NOT NULL
                );
                ALTER TABLE sessions ADD COLUMN server_id TEXT;
                ALTER TABLE query_executions ADD COLUMN server_id TEXT;
                CREATE INDEX sessions_by_server ON sessions (server_id, state);
                CREATE INDEX query_executions_by_server ON query_executions (server_id, state);
                """.formatted(ordered),
                // tags of workgroups, data catalogs and capacity reservations, by "<type>/<name>" (io.noctua.tags.TaggedResource)
                """
                CREATE TABLE tags (
                    resource %1$s NOT NULL,
                    tag_key %1$s NOT NULL,
                    tag_value TEXT NOT NULL,
                    PRIMARY KEY (resource, tag_key)
                );
                """.formatted(ordered),
                // capacity reservations (io.noctua.capacity), and the workgroups assigned to them: a workgroup to one at most
                """
                CREATE TABLE capacity_reservations (
                    name %1$s PRIMARY KEY,
                    target_dpus INTEGER NOT NULL,
                    allocated_before INTEGER NOT NULL,
                    allocation_requested BIGINT NOT NULL,
                    last_success_before BIGINT,
                    last_added BIGINT NOT NULL,
                    creation_time BIGINT NOT NULL,
                    cancel_requested BIGINT
                );
                CREATE TABLE capacity_assignments (
                    work_group %1$s PRIMARY KEY,
                    reservation %1$s NOT NULL,
                    assignment_index INTEGER NOT NULL,
                    member_index INTEGER NOT NULL
                );
                CREATE INDEX capacity_assignments_by_reservation ON capacity_assignments (reservation, assignment_index, member_index);
                """.formatted(ordered),
                // data catalogs made with CreateDataCatalog (io.noctua.catalog): AwsDataCatalog, the server's own, is not stored
                """
                CREATE TABLE data_catalogs (
                    name %1$s PRIMARY KEY,
                    type TEXT NOT NULL,
                    description TEXT,
                    parameters TEXT NOT NULL,
                    creation_time BIGINT NOT NULL
                );
                """.formatted(ordered),
                // Athena notebooks (io.noctua.notebook): the .ipynb document and its metadata; a name is unique in its workgroup
                """
                CREATE TABLE notebooks (
                    notebook_id TEXT PRIMARY KEY,
                    work_group %1$s NOT NULL,
                    name %1$s NOT NULL,
                    type TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    creation_time BIGINT NOT NULL,
                    last_modified_time BIGINT NOT NULL,
                    client_request_token TEXT UNIQUE,
                    UNIQUE (work_group, name)
                );
                """.formatted(ordered),
                // a session's effective MonitoringConfiguration (its own members, else its workgroup's), as JSON; null when it
                // has none, as for every session stored before this step
                """
                ALTER TABLE sessions ADD COLUMN monitoring_configuration TEXT;
                """,
                // step 9: what Spark did for each calculation (io.noctua.engine.SparkJobHistory, as JSON), for
                // GetResourceDashboard's page once the session has ended; the latest calculations of each session only
                """
                CREATE TABLE calculation_spark_jobs (
                    %1$s,
                    calculation_id TEXT NOT NULL UNIQUE,
                    session_id TEXT NOT NULL,
                    recorded_time BIGINT NOT NULL,
                    jobs TEXT NOT NULL
                );
                CREATE INDEX calculation_spark_jobs_by_session ON calculation_spark_jobs (session_id, seq);
                """.formatted(seq));
    }
}
