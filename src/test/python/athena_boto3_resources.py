#!/usr/bin/env python3
"""Athena's resources besides sessions and queries through boto3 against a Noctua server: capacity reservations, data
catalogs, tags (of sessions too), the MonitoringConfiguration of workgroups and sessions, and a session's dashboard.

    python3 athena_boto3_resources.py <endpoint-url>

Each check prints "ok  <name>" or "FAIL <name>: <why>"; the last line is "N passed, N failed" and the exit status is 1 if
any check failed. The checks share one reservation, one workgroup and one data catalog, made by the first.
"""

import sys
import time
import uuid

import boto3
from botocore.config import Config

import checks
from checks import CheckFailed, expect_error, require

ACCOUNT_ARN = "arn:aws:athena:us-east-1:123456789012:"


class Resources:
    def __init__(self, endpoint):
        config = Config(retries={"max_attempts": 0})
        self.athena = boto3.client("athena", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                                   aws_secret_access_key="test", config=config)
        suffix = uuid.uuid4().hex[:8]
        self.name = "boto3-reservation-" + suffix
        self.work_group = "boto3-reserved-" + suffix
        self.arn = ACCOUNT_ARN + "capacity-reservation/" + self.name
        self.catalog = "boto3_catalog_" + suffix

    def reservation(self):
        return self.athena.get_capacity_reservation(Name=self.name)["CapacityReservation"]

    def await_status(self, status):
        deadline = time.time() + 10
        while time.time() < deadline:
            current = self.reservation()
            if current["Status"] == status:
                return current
            time.sleep(0.1)
        raise CheckFailed("%s did not become %s: %r" % (self.name, status, self.reservation()))

    def check_capacity_reservation_becomes_active(self):
        self.athena.create_work_group(Name=self.work_group)
        self.athena.create_capacity_reservation(Name=self.name, TargetDpus=24, Tags=[{"Key": "team", "Value": "data"}])
        made = self.reservation()
        require(made["Status"] in ("PENDING", "ACTIVE"), "a new reservation is %r" % made["Status"])
        active = self.await_status("ACTIVE")
        require(active["TargetDpus"] == 24 and active["AllocatedDpus"] == 24, "DPUs: %r" % active)
        require(active["LastAllocation"]["Status"] == "SUCCEEDED", "last allocation: %r" % active["LastAllocation"])
        require(hasattr(active["CreationTime"], "year"), "CreationTime is not a timestamp: %r" % active["CreationTime"])

    def check_capacity_reservations_are_listed(self):
        names, token = [], None
        while True:
            page = self.athena.list_capacity_reservations(MaxResults=1, **({"NextToken": token} if token else {}))
            names += [r["Name"] for r in page["CapacityReservations"]]
            token = page.get("NextToken")
            if not token:
                break
        require(self.name in names, "%s not listed in %r" % (self.name, names))

    def check_tags(self):
        tags = self.athena.list_tags_for_resource(ResourceARN=self.arn)["Tags"]
        require(tags == [{"Key": "team", "Value": "data"}], "tags at creation: %r" % tags)
        self.athena.tag_resource(ResourceARN=self.arn, Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "ml"}])
        self.athena.untag_resource(ResourceARN=self.arn, TagKeys=["env"])
        tags = self.athena.list_tags_for_resource(ResourceARN=self.arn)["Tags"]
        require(tags == [{"Key": "team", "Value": "ml"}], "tags after changes: %r" % tags)
        work_group_arn = ACCOUNT_ARN + "workgroup/" + self.work_group
        self.athena.tag_resource(ResourceARN=work_group_arn, Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(3)])
        # the model's least MaxResults (75) is more than a resource's 50 tags: one page holds them all
        listed = self.athena.list_tags_for_resource(ResourceARN=work_group_arn, MaxResults=75)
        require([t["Key"] for t in listed["Tags"]] == ["k0", "k1", "k2"] and "NextToken" not in listed, "workgroup tags: %r" % listed)
        expect_error(lambda: self.athena.tag_resource(ResourceARN=self.arn, Tags=[{"Key": "aws:x", "Value": "v"}]),
                     "InvalidRequestException", contains=("aws:",))
        expect_error(lambda: self.athena.list_tags_for_resource(ResourceARN=ACCOUNT_ARN + "capacity-reservation/nope"),
                     "ResourceNotFoundException")

    def check_capacity_assignments(self):
        self.athena.put_capacity_assignment_configuration(
            CapacityReservationName=self.name, CapacityAssignments=[{"WorkGroupNames": [self.work_group]}])
        got = self.athena.get_capacity_assignment_configuration(CapacityReservationName=self.name)
        assignments = got["CapacityAssignmentConfiguration"]["CapacityAssignments"]
        require(assignments == [{"WorkGroupNames": [self.work_group]}], "assignments: %r" % got)
        expect_error(lambda: self.athena.put_capacity_assignment_configuration(
            CapacityReservationName=self.name, CapacityAssignments=[{"WorkGroupNames": ["no-such-work-group"]}]),
            "InvalidRequestException", contains=("no-such-work-group",))

    def check_capacity_update(self):
        self.athena.update_capacity_reservation(Name=self.name, TargetDpus=32)
        updated = self.await_status("ACTIVE")
        require(updated["AllocatedDpus"] == 32, "after the update: %r" % updated)
        expect_error(lambda: self.athena.update_capacity_reservation(Name=self.name, TargetDpus=30), "InvalidRequestException",
                     contains=("multiple of 4",))

    def check_capacity_cancel_then_delete(self):
        expect_error(lambda: self.athena.delete_capacity_reservation(Name=self.name), "InvalidRequestException", contains=("CANCELLED",))
        self.athena.cancel_capacity_reservation(Name=self.name)
        cancelled = self.await_status("CANCELLED")
        require(cancelled["AllocatedDpus"] == 0, "cancelled: %r" % cancelled)
        self.athena.delete_capacity_reservation(Name=self.name)
        expect_error(lambda: self.athena.get_capacity_reservation(Name=self.name), "InvalidRequestException", contains=("not found",))
        self.athena.delete_work_group(WorkGroup=self.work_group)

    def check_session_tags_and_monitoring(self):
        spark = "boto3-spark-" + uuid.uuid4().hex[:8]
        monitoring = {"S3LoggingConfiguration": {"Enabled": True, "LogLocation": "s3://noctua-results/boto3-logs"},
                      "CloudWatchLoggingConfiguration": {"Enabled": True, "LogGroup": "/athena/boto3",
                                                         "LogTypes": {"SPARK_DRIVER": ["STDOUT", "STDERR"]}}}
        self.athena.create_work_group(
            Name=spark, Tags=[{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}],
            Configuration={"EngineVersion": {"SelectedEngineVersion": "PySpark engine version 3"},
                           "ExecutionRole": "arn:aws:iam::123456789012:role/boto3", "MonitoringConfiguration": monitoring})
        got = self.athena.get_work_group(WorkGroup=spark)["WorkGroup"]["Configuration"]["MonitoringConfiguration"]
        require(got == monitoring, "the workgroup's MonitoringConfiguration: %r" % got)
        managed = {"ManagedLoggingConfiguration": {"Enabled": True}}
        session_id = self.athena.start_session(
            WorkGroup=spark, EngineConfiguration={"MaxConcurrentDpus": 2}, MonitoringConfiguration=managed,
            Tags=[{"Key": "env", "Value": "prod"}], CopyWorkGroupTags=True)["SessionId"]
        session = self.athena.get_session(SessionId=session_id)
        require(session["MonitoringConfiguration"] == dict(monitoring, **managed),
                "the session's MonitoringConfiguration (its own, then its workgroup's): %r" % session["MonitoringConfiguration"])
        session_arn = ACCOUNT_ARN + "session/" + session_id
        tags = self.athena.list_tags_for_resource(ResourceARN=session_arn)["Tags"]
        require(tags == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "data"}], "the session's tags: %r" % tags)
        self.athena.tag_resource(ResourceARN=session_arn, Tags=[{"Key": "stage", "Value": "test"}])
        self.athena.untag_resource(ResourceARN=session_arn, TagKeys=["env"])
        tags = self.athena.list_tags_for_resource(ResourceARN=session_arn)["Tags"]
        require(tags == [{"Key": "stage", "Value": "test"}, {"Key": "team", "Value": "data"}], "after changes: %r" % tags)
        expect_error(lambda: self.athena.start_session(
            WorkGroup=spark, EngineConfiguration={"MaxConcurrentDpus": 2},
            MonitoringConfiguration={"S3LoggingConfiguration": {"Enabled": True}}), "InvalidRequestException", contains=("LogLocation",))
        expect_error(lambda: self.athena.list_tags_for_resource(ResourceARN=ACCOUNT_ARN + "session/" + str(uuid.uuid4())),
                     "ResourceNotFoundException")
        self.athena.terminate_session(SessionId=session_id)
        self.athena.delete_work_group(WorkGroup=spark, RecursiveDeleteOption=True)

    def check_data_catalogs(self):
        lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:connector"
        made = self.athena.create_data_catalog(Name=self.catalog, Type="LAMBDA", Description="a connector",
                                               Parameters={"function": lambda_arn}, Tags=[{"Key": "team", "Value": "data"}])
        require(made["DataCatalog"]["Name"] == self.catalog, "CreateDataCatalog answered %r" % made)
        got = self.athena.get_data_catalog(Name=self.catalog)["DataCatalog"]
        require(got["Type"] == "LAMBDA" and got["Parameters"] == {"function": lambda_arn}, "GetDataCatalog: %r" % got)
        paginator = self.athena.get_paginator("list_data_catalogs")
        names = [c["CatalogName"] for page in paginator.paginate(PaginationConfig={"PageSize": 2}) for c in page["DataCatalogsSummary"]]
        require(names[0] == "AwsDataCatalog" and self.catalog in names, "listed: %r" % names)
        self.athena.update_data_catalog(Name=self.catalog, Type="GLUE", Parameters={"catalog-id": "123456789012"})
        require(self.athena.get_data_catalog(Name=self.catalog)["DataCatalog"]["Type"] == "GLUE", "the update did not change the type")
        tags = self.athena.list_tags_for_resource(ResourceARN=ACCOUNT_ARN + "datacatalog/" + self.catalog)["Tags"]
        require(tags == [{"Key": "team", "Value": "data"}], "catalog tags: %r" % tags)
        expect_error(lambda: self.athena.list_databases(CatalogName=self.catalog), "MetadataException", contains=("record only",))
        expect_error(lambda: self.athena.create_data_catalog(Name=self.catalog + "x", Type="FEDERATED"), "InvalidRequestException",
                     contains=("FEDERATED",))
        expect_error(lambda: self.athena.delete_data_catalog(Name="AwsDataCatalog"), "InvalidRequestException", contains=("own catalog",))
        deleted = self.athena.delete_data_catalog(Name=self.catalog)["DataCatalog"]
        require(deleted["Status"] == "DELETE_COMPLETE", "DeleteDataCatalog answered %r" % deleted)
        expect_error(lambda: self.athena.get_data_catalog(Name=self.catalog), "InvalidRequestException", contains=("was not found",))

    def check_resource_dashboard(self):
        session = self.athena.start_session(WorkGroup="spark", EngineConfiguration={"MaxConcurrentDpus": 2})["SessionId"]
        try:
            url = self.athena.get_resource_dashboard(ResourceARN=ACCOUNT_ARN + "session/" + session)["Url"]
            require(url.startswith("http://"), "GetResourceDashboard answered %r" % url)
        finally:
            self.athena.terminate_session(SessionId=session)
        expect_error(lambda: self.athena.get_resource_dashboard(ResourceARN=ACCOUNT_ARN + "workgroup/spark"), "InvalidRequestException",
                     contains=("dashboard of a session",))
        expect_error(lambda: self.athena.get_resource_dashboard(ResourceARN=ACCOUNT_ARN + "session/no-such-session"),
                     "ResourceNotFoundException", contains=("no-such-session",))


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    return checks.run(Resources(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
