#!/usr/bin/env python3
"""Drives the Glue Data Catalog API through boto3's glue client, as dbt-athena and awswrangler use it,
against a Noctua server, and checks that what Glue makes is queryable at once through Athena's SQL
API and from a Spark calculation.

    python3 glue_boto3_catalog.py <endpoint-url> <s3-endpoint-url> <s3-access-key-id> <s3-secret-access-key>

Each check prints "ok  <name>" or "FAIL <name>: <why>"; the last line is "N passed, N failed" and the
exit status is 1 if any check failed. Checks run in order and share state.
"""

import sys
import time
import traceback
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

BUCKET = "noctua-results"


class CheckFailed(Exception):
    pass


def require(condition, why):
    if not condition:
        raise CheckFailed(why)


def expect_error(call, code, contains=None):
    try:
        call()
    except ClientError as e:
        actual = e.response["Error"]["Code"]
        message = e.response["Error"].get("Message", "")
        require(actual == code, "expected %s, got %s: %r" % (code, actual, message))
        require(contains is None or contains in message, "message %r does not contain %r" % (message, contains))
        return message
    raise CheckFailed("expected %s, but the call succeeded" % code)


def main():
    endpoint, s3_endpoint, s3_key, s3_secret = sys.argv[1:5]
    config = Config(retries={"max_attempts": 1})
    credentials = dict(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    glue = boto3.client("glue", endpoint_url=endpoint, config=config, **credentials)
    athena = boto3.client("athena", endpoint_url=endpoint, config=config, **credentials)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id=s3_key,
                      aws_secret_access_key=s3_secret)
    db = "glue_" + uuid.uuid4().hex[:8]
    root = "s3://%s/glue/%s/events/" % (BUCKET, db)
    passed, failed = [0], [0]

    def check(name, body):
        try:
            body()
            passed[0] += 1
            print("ok  " + name, flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported and counted
            failed[0] += 1
            print("FAIL %s: %s" % (name, e), flush=True)
            if not isinstance(e, (CheckFailed, ClientError)):
                traceback.print_exc()

    def run_query(sql):
        qid = athena.start_query_execution(QueryString=sql, WorkGroup="primary")["QueryExecutionId"]
        deadline = time.time() + 180
        while time.time() < deadline:
            status = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
            if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                require(status["State"] == "SUCCEEDED", "%s: %s" % (sql, status.get("StateChangeReason")))
                rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
                return [[d.get("VarCharValue") for d in r["Data"]] for r in rows]
            time.sleep(0.1)
        raise CheckFailed("query did not end: " + sql)

    def text_table(name, location, partition_keys):
        return {
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "EXTERNAL": "TRUE"},
            "PartitionKeys": partition_keys,
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "kind", "Type": "string", "Comment": "what happened"},
                            {"Name": "amount", "Type": "decimal(10,2)"}],
                "Location": location,
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": ",", "serialization.format": ","}},
            },
        }

    def databases():
        glue.create_database(DatabaseInput={"Name": db, "Description": "made through Glue", "Parameters": {"team": "data"}})
        got = glue.get_database(Name=db)["Database"]
        require(got["Name"] == db and got["Description"] == "made through Glue", got)
        require(got["Parameters"].get("team") == "data", got)
        names = [d["Name"] for page in glue.get_paginator("get_databases").paginate(PaginationConfig={"PageSize": 1})
                 for d in page["DatabaseList"]]
        require(db in names and "default" in names, names)
        glue.update_database(Name=db, DatabaseInput={"Name": db, "Description": "made through Glue",
                                                     "Parameters": {"team": "analytics", "tier": "gold"}})
        changed = glue.get_database(Name=db)["Database"]
        require(changed["Parameters"].get("team") == "analytics" and changed["Parameters"].get("tier") == "gold", changed)
        expect_error(lambda: glue.update_database(Name=db, DatabaseInput={"Name": db, "Description": "another"}),
                     "InvalidInputException", "cannot change")
        expect_error(lambda: glue.create_database(DatabaseInput={"Name": db}), "AlreadyExistsException")
        expect_error(lambda: glue.get_database(Name=db + "_missing"), "EntityNotFoundException", "not found")
        expect_error(lambda: glue.get_database(Name="x" * 300), "ValidationException", "failed to satisfy constraint")

    def tables_and_partitions():
        for day, lines in (("2024-01-01", "1,open,1.50\n2,close,2.25\n"), ("2024-01-02", "3,open,3.00\n"),
                           ("2024-01-03", "4,open,4.00\n5,open,5.00\n")):
            s3.put_object(Bucket=BUCKET, Key="glue/%s/events/dt=%s/part-0.csv" % (db, day), Body=lines.encode())
        glue.create_table(DatabaseName=db, TableInput=text_table("events", root, [{"Name": "dt", "Type": "string"}]))
        table = glue.get_table(DatabaseName=db, Name="events")["Table"]
        require(table["TableType"] == "EXTERNAL_TABLE", table)
        require([c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "kind", "amount"], table)
        require(table["StorageDescriptor"]["Columns"][2]["Type"] == "decimal(10,2)", table)
        require(table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}], table["PartitionKeys"])
        require(table["StorageDescriptor"]["SerdeInfo"]["Parameters"]["field.delim"] == ",", table)
        expect_error(lambda: glue.create_table(DatabaseName=db, TableInput=text_table("events", root, [])), "AlreadyExistsException")

        def partition(day):
            sd = dict(text_table("x", root + "dt=%s/" % day, [])["StorageDescriptor"])
            return {"Values": [day], "StorageDescriptor": sd, "Parameters": {"source": "glue"}}
        errors = glue.batch_create_partition(DatabaseName=db, TableName="events",
                                             PartitionInputList=[partition("2024-01-01"), partition("2024-01-02")])["Errors"]
        require(errors == [], errors)
        glue.create_partition(DatabaseName=db, TableName="events", PartitionInput=partition("2024-01-03"))
        again = glue.batch_create_partition(DatabaseName=db, TableName="events", PartitionInputList=[partition("2024-01-03")])["Errors"]
        require(len(again) == 1 and again[0]["ErrorDetail"]["ErrorCode"] == "AlreadyExistsException", again)
        got = glue.get_partition(DatabaseName=db, TableName="events", PartitionValues=["2024-01-02"])["Partition"]
        require(got["Values"] == ["2024-01-02"] and got["StorageDescriptor"]["Location"].rstrip("/").endswith("dt=2024-01-02"), got)
        require(got["Parameters"].get("source") == "glue", got)
        filtered = glue.get_partitions(DatabaseName=db, TableName="events", Expression="dt >= '2024-01-02'")["Partitions"]
        require([p["Values"] for p in filtered] == [["2024-01-02"], ["2024-01-03"]], filtered)
        pages = list(glue.get_paginator("get_partitions").paginate(DatabaseName=db, TableName="events",
                                                                   PaginationConfig={"PageSize": 2}))
        require([len(p["Partitions"]) for p in pages] == [2, 1], [len(p["Partitions"]) for p in pages])
        both = glue.batch_get_partition(DatabaseName=db, TableName="events",
                                        PartitionsToGet=[{"Values": ["2024-01-01"]}, {"Values": ["1999-01-01"]}])
        require([p["Values"] for p in both["Partitions"]] == [["2024-01-01"]], both)
        require(both["UnprocessedKeys"] == [{"Values": ["1999-01-01"]}], both)
        expect_error(lambda: glue.get_partitions(DatabaseName=db, TableName="events", Expression="dt >>> 3"), "InvalidInputException")
        expect_error(lambda: glue.get_partition(DatabaseName=db, TableName="events", PartitionValues=["1999-01-01"]),
                     "EntityNotFoundException")

    def queryable_from_sql_and_spark():
        rows = run_query("SELECT dt, count(*) AS n, sum(amount) AS total FROM %s.events GROUP BY dt ORDER BY dt" % db)
        require(rows == [["dt", "n", "total"], ["2024-01-01", "2", "3.75"], ["2024-01-02", "1", "3.00"],
                         ["2024-01-03", "2", "9.00"]], rows)
        session = athena.start_session(WorkGroup="spark", EngineConfiguration={"MaxConcurrentDpus": 2})["SessionId"]
        deadline = time.time() + 120
        while athena.get_session_status(SessionId=session)["Status"]["State"] != "IDLE":
            require(time.time() < deadline, "the session did not become IDLE")
            time.sleep(0.1)
        calc = athena.start_calculation_execution(SessionId=session, CodeBlock="%%sql\nSELECT count(*) AS n FROM " + db + ".events "
                                                  "WHERE kind = 'open'")["CalculationExecutionId"]
        while True:
            got = athena.get_calculation_execution(CalculationExecutionId=calc)
            if got["Status"]["State"] in ("COMPLETED", "FAILED", "CANCELED"):
                break
            time.sleep(0.1)
        athena.terminate_session(SessionId=session)
        require(got["Status"]["State"] == "COMPLETED", got["Status"])
        out = got["Result"]["StdOutS3Uri"][len("s3://"):].split("/", 1)
        text = s3.get_object(Bucket=out[0], Key=out[1])["Body"].read().decode()
        require("|  4|" in text, text)

    def change_and_delete():
        changed = text_table("events", root, [{"Name": "dt", "Type": "string"}])
        changed["StorageDescriptor"]["Columns"].append({"Name": "note", "Type": "string"})
        changed["Description"] = "with a note"
        glue.update_table(DatabaseName=db, TableInput=changed)
        table = glue.get_table(DatabaseName=db, Name="events")["Table"]
        require([c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "kind", "amount", "note"], table)
        require(table.get("Description") == "with a note", table)
        versions = glue.get_table_versions(DatabaseName=db, TableName="events")["TableVersions"]
        require(len(versions) == 1 and versions[0]["Table"]["Name"] == "events", versions)
        glue.update_partition(DatabaseName=db, TableName="events", PartitionValueList=["2024-01-01"],
                              PartitionInput={"Values": ["2024-01-01"], "Parameters": {"checked": "yes"},
                                              "StorageDescriptor": text_table("x", root + "dt=2024-01-01/", [])["StorageDescriptor"]})
        got = glue.get_partition(DatabaseName=db, TableName="events", PartitionValues=["2024-01-01"])["Partition"]
        require(got["Parameters"].get("checked") == "yes", got)
        glue.delete_partition(DatabaseName=db, TableName="events", PartitionValues=["2024-01-01"])
        errors = glue.batch_delete_partition(DatabaseName=db, TableName="events",
                                             PartitionsToDelete=[{"Values": ["2024-01-02"]}, {"Values": ["1999-01-01"]}])["Errors"]
        require(len(errors) == 1 and errors[0]["PartitionValues"] == ["1999-01-01"], errors)
        require(run_query("SELECT count(*) AS n FROM %s.events" % db)[1] == ["2"], "partitions left")
        glue.create_table(DatabaseName=db, TableInput=text_table("other", root, []))
        names = [t["Name"] for t in glue.get_tables(DatabaseName=db, Expression="ev.*")["TableList"]]
        require(names == ["events"], names)
        errors = glue.batch_delete_table(DatabaseName=db, TablesToDelete=["other", "missing"])["Errors"]
        require([e["TableName"] for e in errors] == ["missing"], errors)
        glue.delete_table(DatabaseName=db, Name="events")
        expect_error(lambda: glue.get_table(DatabaseName=db, Name="events"), "EntityNotFoundException")
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="glue/%s/events/" % db).get("KeyCount", 0)
        require(listed == 3, "an external table's files outlive it: %d left" % listed)
        glue.delete_database(Name=db)
        expect_error(lambda: glue.get_database(Name=db), "EntityNotFoundException")

    check("databases: create, get, list, update, errors", databases)
    check("tables and partitions: create, get, filter, page, batch, errors", tables_and_partitions)
    check("what Glue made is queryable from SQL and from Spark at once", queryable_from_sql_and_spark)
    check("update and delete tables, partitions and the database", change_and_delete)
    print("%d passed, %d failed" % (passed[0], failed[0]))
    return 1 if failed[0] else 0


if __name__ == "__main__":
    sys.exit(main())
