#!/usr/bin/env python3
"""Writes the input constraints of the Athena (or Glue) operations Noctua serves, as a compact JSON file.

The request validator (io.noctua.protocol.ShapeValidator) checks every request against this file,
so every type, required member, length, range, pattern and enum of the Athena model is enforced
without hand-copying them into Java. Only constraints are kept: no documentation text.

Run it when an operation is added or the model changes:
    python3 tools/extract-athena-shapes.py > src/main/resources/io/noctua/protocol/athena-shapes.json
    python3 tools/extract-athena-shapes.py glue > src/main/resources/io/noctua/protocol/glue-shapes.json
It needs botocore (installed with boto3 and the AWS CLI).
"""
import json
import sys

import botocore.session

OPERATIONS = [
    "CreateWorkGroup", "GetWorkGroup", "ListWorkGroups", "UpdateWorkGroup", "DeleteWorkGroup",
    "ListEngineVersions", "ListApplicationDPUSizes",
    "StartSession", "GetSession", "GetSessionStatus", "ListSessions", "TerminateSession", "ListExecutors", "GetSessionEndpoint",
    "GetResourceDashboard",
    "StartCalculationExecution", "GetCalculationExecution", "GetCalculationExecutionStatus",
    "GetCalculationExecutionCode", "ListCalculationExecutions", "StopCalculationExecution",
    "StartQueryExecution", "GetQueryExecution", "BatchGetQueryExecution", "ListQueryExecutions",
    "StopQueryExecution", "GetQueryResults", "GetQueryRuntimeStatistics",
    "CreateNamedQuery", "GetNamedQuery", "BatchGetNamedQuery", "ListNamedQueries", "UpdateNamedQuery", "DeleteNamedQuery",
    "CreatePreparedStatement", "GetPreparedStatement", "BatchGetPreparedStatement", "ListPreparedStatements",
    "UpdatePreparedStatement", "DeletePreparedStatement",
    "ListDataCatalogs", "GetDataCatalog", "CreateDataCatalog", "UpdateDataCatalog", "DeleteDataCatalog", "ListDatabases", "GetDatabase", "ListTableMetadata", "GetTableMetadata",
    "TagResource", "UntagResource", "ListTagsForResource",
    "CreateNotebook", "ImportNotebook", "ExportNotebook", "GetNotebookMetadata", "ListNotebookMetadata", "UpdateNotebook",
    "UpdateNotebookMetadata", "DeleteNotebook", "ListNotebookSessions", "CreatePresignedNotebookUrl",
    "CreateCapacityReservation", "GetCapacityReservation", "ListCapacityReservations", "UpdateCapacityReservation",
    "CancelCapacityReservation", "DeleteCapacityReservation", "PutCapacityAssignmentConfiguration", "GetCapacityAssignmentConfiguration",
]


GLUE_OPERATIONS = [
    "GetDatabases", "GetDatabase", "CreateDatabase", "UpdateDatabase", "DeleteDatabase",
    "GetTables", "GetTable", "CreateTable", "UpdateTable", "DeleteTable", "BatchDeleteTable", "GetTableVersions",
    "GetPartitions", "GetPartition", "CreatePartition", "BatchCreatePartition", "UpdatePartition", "DeletePartition",
    "BatchDeletePartition", "BatchGetPartition",
]


def describe(shape, shapes):
    if shape.name in shapes:
        return shape.name
    entry = {"type": shape.type_name}
    shapes[shape.name] = entry
    for key in ("min", "max", "pattern"):
        if key in shape.metadata:
            entry[key] = shape.metadata[key]
    if shape.type_name == "string" and shape.enum:
        entry["enum"] = list(shape.enum)
    if shape.type_name == "structure":
        entry["members"] = {name: describe(member, shapes) for name, member in shape.members.items()}
        if shape.required_members:
            entry["required"] = list(shape.required_members)
    elif shape.type_name == "list":
        entry["member"] = describe(shape.member, shapes)
    elif shape.type_name == "map":
        entry["key"] = describe(shape.key, shapes)
        entry["value"] = describe(shape.value, shapes)
    return shape.name


def main():
    service = sys.argv[1] if len(sys.argv) > 1 else "athena"
    model = botocore.session.get_session().get_service_model(service)
    shapes = {}
    operations = {}
    for name in (GLUE_OPERATIONS if service == "glue" else OPERATIONS):
        operations[name] = describe(model.operation_model(name).input_shape, shapes)
    document = {
        "source": "botocore " + service + " " + model.api_version + ", input shapes only",
        "operations": operations,
        # every operation of the model, so that one Noctua does not serve yet is refused as that, not as unknown
        "modelOperations": sorted(model.operation_names),
        "shapes": dict(sorted(shapes.items())),
    }
    json.dump(document, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
