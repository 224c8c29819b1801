#!/usr/bin/env python3
"""Writes docs/operations.md: every operation of botocore's Athena model, and what Noctua does for it.

The operations and their order come from the model; what Noctua does for each is kept below, in
WHAT_NOCTUA_DOES. An operation the model has and this file does not is an error, and so is one this
file names that the model lacks: the table cannot fall behind the model silently.

    python3 tools/operations-table.py > docs/operations.md     # write the table
    python3 tools/operations-table.py --check                   # exit 1 if docs/operations.md is not what it would write
    python3 tools/operations-table.py --json                    # {"Operation": "served" | "missing", ...}, for the tests

OperationTableTest runs --check and --json, and calls every operation on a real server: each one the
table calls served must be served, and each one it calls missing must be refused as not served yet.
It needs botocore (installed with boto3 and the AWS CLI).
"""
import json
import pathlib
import sys

import botocore.session

SERVED = "served"
MISSING = "missing"

# Operation -> (area, served or missing, what Noctua does). Areas are listed in this order.
AREAS = [
    "Workgroups", "Sessions", "Calculations", "SQL queries", "Named queries", "Prepared statements",
    "Data catalogs and metadata", "Notebooks", "Capacity reservations", "Tags",
]
WHAT_NOCTUA_DOES = {
    "CreateWorkGroup": ("Workgroups", SERVED, "Stored; Spark workgroups (PySpark engine version 3) run sessions, others run SQL queries. MonitoringConfiguration is checked and kept for the workgroup's sessions."),
    "GetWorkGroup": ("Workgroups", SERVED, "From the store, with Athena's configuration shape."),
    "ListWorkGroups": ("Workgroups", SERVED, "Paged, with each workgroup's state and engine version."),
    "UpdateWorkGroup": ("Workgroups", SERVED, "Configuration updates and state (ENABLED, DISABLED); MonitoringConfiguration is replaced whole, for sessions started afterwards."),
    "DeleteWorkGroup": ("Workgroups", SERVED, "With RecursiveDeleteOption: ends the workgroup's sessions and deletes what it holds."),
    "ListEngineVersions": ("Workgroups", SERVED, "AUTO, Athena engine version 3 (run on Spark SQL) and PySpark engine version 3."),
    "ListApplicationDPUSizes": ("Workgroups", SERVED, "The Athena notebook runtime, with a DPU size of 1."),
    "StartSession": ("Sessions", SERVED, "A Spark session on the server's driver, IDLE in milliseconds; ClientRequestToken is idempotent; AdditionalConfigs NotebookId attaches it to a notebook of its workgroup. Tags are kept on the session (CopyWorkGroupTags adds its workgroup's). MonitoringConfiguration (its own members, else its workgroup's): S3 logging writes the driver log and the calculations' stdout and stderr under LogLocation in Noctua's layout; CloudWatch and managed logging are kept, not delivered."),
    "GetSession": ("Sessions", SERVED, "From the session's state machine or the store, with its effective MonitoringConfiguration."),
    "GetSessionStatus": ("Sessions", SERVED, "Live state, with Athena's StateChangeReason texts."),
    "ListSessions": ("Sessions", SERVED, "Paged, filtered by state, newest first."),
    "TerminateSession": ("Sessions", SERVED, "Stops the session's running work and its Python worker, then TERMINATED."),
    "ListExecutors": ("Sessions", SERVED, "The driver (COORDINATOR) and Spark's executors (WORKER) with their states."),
    "GetSessionEndpoint": ("Sessions", SERVED, "Refused with InvalidRequestException for every session, as Athena refuses sessions of PySpark engine version 3: Spark Connect endpoints are for its Apache Spark version 3.5 engine, which Noctua does not run (Spark Connect's server for Spark 3.5 is not on Maven Central)."),
    "GetResourceDashboard": ("Sessions", SERVED, "For a session's ARN (arn:aws:athena:<region>:<account-id>:session/<session-id>): while it runs, Spark's own UI (on the server's host, a free port), where its jobs show by their job group (the calculation's id) and description; after it ends (or with spark.ui.enabled=false), the console's dashboard page with its calculations and the summary of their Spark jobs and stages, kept in the store."),
    "StartCalculationExecution": ("Calculations", SERVED, "Python (with PySpark where installed), %%sql and the notebook magics, run on the session's driver."),
    "GetCalculationExecution": ("Calculations", SERVED, "With progress and DPU time from Spark's tasks, and result locations in S3."),
    "GetCalculationExecutionStatus": ("Calculations", SERVED, "Live state, progress and statistics."),
    "GetCalculationExecutionCode": ("Calculations", SERVED, "The code block as it was submitted."),
    "ListCalculationExecutions": ("Calculations", SERVED, "Paged, filtered by state, newest first."),
    "StopCalculationExecution": ("Calculations", SERVED, "Cancels the calculation's Spark jobs and interrupts its Python; CANCELED."),
    "StartQueryExecution": ("SQL queries", SERVED, "Athena SQL run on Spark SQL in the workgroup's engine; results as CSV in S3."),
    "GetQueryExecution": ("SQL queries", SERVED, "State, statistics and result configuration."),
    "BatchGetQueryExecution": ("SQL queries", SERVED, "Up to 50 at once; unknown ids in UnprocessedQueryExecutionIds."),
    "ListQueryExecutions": ("SQL queries", SERVED, "Paged, per workgroup, newest first."),
    "StopQueryExecution": ("SQL queries", SERVED, "Cancels the query's Spark jobs; CANCELLED."),
    "GetQueryResults": ("SQL queries", SERVED, "Paged rows with Athena's column metadata, read from the result in S3."),
    "GetQueryRuntimeStatistics": ("SQL queries", SERVED, "The timeline (queueing, planning, execution) and the rows read and written; no stage tree."),
    "CreateNamedQuery": ("Named queries", SERVED, "Stored; ClientRequestToken is idempotent."),
    "GetNamedQuery": ("Named queries", SERVED, "From the store."),
    "BatchGetNamedQuery": ("Named queries", SERVED, "Up to 50 at once; unknown ids in UnprocessedNamedQueryIds."),
    "ListNamedQueries": ("Named queries", SERVED, "Paged, per workgroup."),
    "UpdateNamedQuery": ("Named queries", SERVED, "Name, description and query string."),
    "DeleteNamedQuery": ("Named queries", SERVED, "From the store."),
    "CreatePreparedStatement": ("Prepared statements", SERVED, "Stored per workgroup; EXECUTE ... USING binds its parameters."),
    "GetPreparedStatement": ("Prepared statements", SERVED, "From the store."),
    "BatchGetPreparedStatement": ("Prepared statements", SERVED, "Up to 50 at once; unknown names in UnprocessedPreparedStatementNames."),
    "ListPreparedStatements": ("Prepared statements", SERVED, "Paged, per workgroup."),
    "UpdatePreparedStatement": ("Prepared statements", SERVED, "Statement and description."),
    "DeletePreparedStatement": ("Prepared statements", SERVED, "From the store."),
    "ListDataCatalogs": ("Data catalogs and metadata", SERVED, "AwsDataCatalog, Noctua's Hive metastore (also served as the Glue Data Catalog API), then the catalogs made with CreateDataCatalog, paged."),
    "GetDataCatalog": ("Data catalogs and metadata", SERVED, "AwsDataCatalog, and the catalogs made with CreateDataCatalog as they were made."),
    "CreateDataCatalog": ("Data catalogs and metadata", SERVED, "LAMBDA, GLUE and HIVE catalogs with Athena's parameters and tags. A HIVE catalog made with Noctua's `metastore-uri=thrift://host:port` is queried (a Hive metastore read over Thrift, read-only); the others are records: queries and metadata calls that name one fail and say why. FEDERATED is refused."),
    "UpdateDataCatalog": ("Data catalogs and metadata", SERVED, "Type, description and parameters, checked as at creation; AwsDataCatalog cannot be changed."),
    "DeleteDataCatalog": ("Data catalogs and metadata", SERVED, "With its tags; AwsDataCatalog cannot be deleted."),
    "ListDatabases": ("Data catalogs and metadata", SERVED, "The databases of AwsDataCatalog's metastore, or of a HIVE catalog's (metastore-uri), paged."),
    "GetDatabase": ("Data catalogs and metadata", SERVED, "From the metastore: AwsDataCatalog's, or a HIVE catalog's."),
    "ListTableMetadata": ("Data catalogs and metadata", SERVED, "Tables and views with columns, partition keys and parameters, paged, with Expression."),
    "GetTableMetadata": ("Data catalogs and metadata", SERVED, "From the metastore: AwsDataCatalog's, or a HIVE catalog's."),
    "CreateNotebook": ("Notebooks", SERVED, "An empty .ipynb (nbformat 4) in a workgroup, its name unique there; ClientRequestToken is idempotent."),
    "ImportNotebook": ("Notebooks", SERVED, "An .ipynb given as Payload or read from NotebookS3LocationUri (s3://), checked to be nbformat 4 JSON, at most 10 MB."),
    "ExportNotebook": ("Notebooks", SERVED, "The notebook's metadata and its document as stored."),
    "GetNotebookMetadata": ("Notebooks", SERVED, "Name, workgroup, type IPYNB, creation and last modification times."),
    "ListNotebookMetadata": ("Notebooks", SERVED, "A workgroup's notebooks in name order, paged; Filters.Name keeps the names that contain it."),
    "UpdateNotebook": ("Notebooks", SERVED, "Replaces the document (checked as on import); SessionId must be an active session of the notebook, and is required while the notebook has one."),
    "UpdateNotebookMetadata": ("Notebooks", SERVED, "Renames the notebook; a name taken in the workgroup is refused."),
    "DeleteNotebook": ("Notebooks", SERVED, "From the store; deleting its workgroup (recursively) deletes its notebooks."),
    "ListNotebookSessions": ("Notebooks", SERVED, "The notebook's sessions not ended (started with AdditionalConfigs NotebookId), newest first, 10 a page."),
    "CreatePresignedNotebookUrl": ("Notebooks", SERVED, "For an active notebook session: a URL of the console's notebook view with a token that opens only that session, its calculations and its notebook, for `notebook.url-lifetime` (10 minutes); AuthTokenExpirationTime in epoch seconds."),
    "CreateCapacityReservation": ("Capacity reservations", SERVED, "Stored with its tags; TargetDpus at least 24 in steps of 4. PENDING for a second, then ACTIVE. Records only: they change no scheduling."),
    "GetCapacityReservation": ("Capacity reservations", SERVED, "Status, target and allocated DPUs, last allocation, from the stored request times (every server answers the same)."),
    "ListCapacityReservations": ("Capacity reservations", SERVED, "Paged, in name order."),
    "UpdateCapacityReservation": ("Capacity reservations", SERVED, "UPDATE_PENDING, then ACTIVE with the new DPUs; decreases an hour after DPUs were last added, as Athena allows them."),
    "CancelCapacityReservation": ("Capacity reservations", SERVED, "CANCELLING, then CANCELLED with no DPUs; its workgroups are released."),
    "DeleteCapacityReservation": ("Capacity reservations", SERVED, "Only a CANCELLED reservation; its tags and assignments go with it."),
    "PutCapacityAssignmentConfiguration": ("Capacity reservations", SERVED, "Existing workgroups, each in one reservation at most (the store keeps that across servers)."),
    "GetCapacityAssignmentConfiguration": ("Capacity reservations", SERVED, "The assignments in the order they were put."),
    "TagResource": ("Tags", SERVED, "On workgroups, capacity reservations, data catalogs and sessions (arn:aws:athena:<region>:<account-id>:session/<session-id>, ended or not), by ARN of any region; AWS's tag rules (50 a resource, no aws: keys)."),
    "UntagResource": ("Tags", SERVED, "Removes the keys given; keys the resource does not have are no error."),
    "ListTagsForResource": ("Tags", SERVED, "In key order, paged with MaxResults and NextToken; the Tags of CreateWorkGroup, CreateCapacityReservation, CreateDataCatalog and StartSession are stored too."),
}


def model():
    session = botocore.session.get_session()
    return session.get_service_model("athena"), botocore.__version__


def check_against(operations):
    """The differences between the model's operations and this file's, as lines of text (none: they agree)."""
    problems = []
    for name in operations:
        if name not in WHAT_NOCTUA_DOES:
            problems.append(f"the model has {name}, which tools/operations-table.py does not describe")
    for name, (area, status, text) in WHAT_NOCTUA_DOES.items():
        if name not in operations:
            problems.append(f"tools/operations-table.py describes {name}, which the model does not have")
        if area not in AREAS or status not in (SERVED, MISSING) or not text.endswith("."):
            problems.append(f"{name}: area, status or text is malformed")
    return problems


def table(operations, version):
    served = sum(1 for name in operations if WHAT_NOCTUA_DOES[name][1] == SERVED)
    lines = [
        "# Athena operations in Noctua",
        "",
        "<!-- Written by tools/operations-table.py from botocore's Athena model; edit that file, not this one. -->",
        "",
        f"botocore's Athena model has {len(operations)} operations; Noctua serves {served} of them.",
        "An operation not served yet is refused with `UnknownOperationException`, whose message says so.",
        "The Glue Data Catalog API that Noctua also serves is described in the README.",
        "",
    ]
    for area in AREAS:
        names = [name for name in operations if WHAT_NOCTUA_DOES[name][0] == area]
        if not names:
            continue
        lines += [f"## {area}", "", "| Operation | Noctua | What it does here |", "|---|---|---|"]
        for name in names:
            _, status, text = WHAT_NOCTUA_DOES[name]
            lines.append(f"| {name} | {'served' if status == SERVED else '**not yet**'} | {text} |")
        lines.append("")
    return "\n".join(lines)


def main(argv):
    service, version = model()
    operations = sorted(service.operation_names)
    problems = check_against(operations)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if argv[1:] == ["--json"]:
        print(json.dumps({name: WHAT_NOCTUA_DOES[name][1] for name in operations}, indent=1))
        return 0
    text = table(operations, version)
    if argv[1:] == ["--check"]:
        written = pathlib.Path(__file__).resolve().parent.parent / "docs" / "operations.md"
        if not written.is_file() or written.read_text(encoding="utf-8") != text:
            print(f"{written} is not what tools/operations-table.py writes: run it again", file=sys.stderr)
            return 1
        return 0
    if argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
