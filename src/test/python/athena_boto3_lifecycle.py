#!/usr/bin/env python3
"""Drives the lifecycle of an Athena for Apache Spark user through boto3 against a Noctua server.

    python3 athena_boto3_lifecycle.py <endpoint-url> <data-dir>

Each check prints "ok  <name>" or "FAIL <name>: <why>"; the last line is "N passed, N failed" and
the exit status is 1 if any check failed. Checks run in order and share state (the workgroup, the
session, the calculations started so far), so a failure early on may make later checks fail too.
"""

import os
import sys
import time
import traceback
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

SPARK_ENGINE = "PySpark engine version 3"
EXECUTION_ROLE = "arn:aws:iam::123456789012:role/x"
OUTPUT_LOCATION = "s3://my-bucket/out/"
FINAL_CALCULATION_STATES = ("COMPLETED", "FAILED", "CANCELED")
SQL_CODE = "%%sql\nSELECT 1 AS one, 'a' AS s"
SHOWN_TABLE = "+---+---+\n|one|  s|\n+---+---+\n|  1|  a|\n+---+---+\n"
LONG_SQL_CODE = "%%sql\nSELECT reflect('java.lang.Thread', 'sleep', cast(60000 as bigint))"


class CheckFailed(Exception):
    pass


def require(condition, why):
    if not condition:
        raise CheckFailed(why)


def read_s3(s3, s3_uri):
    """The content of an s3:// object the server wrote, read through the S3 API as Athena's clients do."""
    require(s3_uri.startswith("s3://"), "not an s3:// URI: %r" % s3_uri)
    bucket, _, key = s3_uri[len("s3://"):].partition("/")
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


def s3_client(endpoint, access_key_id, secret_access_key):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=access_key_id,
                        aws_secret_access_key=secret_access_key)


def athena_client(endpoint, validate):
    # retries off everywhere so that every answer is seen as the server sent it; without validation
    # botocore passes bad parameters through and the server has to refuse them itself
    config = Config(parameter_validation=validate, retries={"max_attempts": 0})
    return boto3.client("athena", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=config)


def expect_error(call, code, message=None, contains=()):
    """Runs call, which must fail with error code `code`; `message` is the exact message, `contains` parts of it."""
    try:
        response = call()
    except ClientError as e:
        actual_code = e.response["Error"]["Code"]
        actual_message = e.response["Error"].get("Message", "")
        require(actual_code == code, "expected %s, got %s: %r" % (code, actual_code, actual_message))
        if message is not None:
            require(actual_message == message, "expected message %r, got %r" % (message, actual_message))
        for part in contains:
            require(part in actual_message, "message %r does not mention %r" % (actual_message, part))
        return actual_message
    response.pop("ResponseMetadata", None)
    raise CheckFailed("expected %s, the call succeeded: %r" % (code, response))


class Lifecycle:
    def __init__(self, endpoint, s3):
        self.athena = athena_client(endpoint, validate=True)
        self.raw = athena_client(endpoint, validate=False)
        self.s3 = s3
        self.work_group = "boto3-lifecycle-" + uuid.uuid4().hex[:12]
        self.session_id = None
        self.calculations = []  # (CalculationExecutionId, final state), oldest first
        self.sql_calculation = None
        self.long_calculation = None

    # ---- helpers

    def need(self, attribute):
        """The value an earlier check left in `attribute`; fails (rather than crashes) if that check failed."""
        value = getattr(self, attribute)
        require(value is not None, "no %s: an earlier check failed" % attribute)
        return value

    def wait_session(self, session_id, state, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            current = self.athena.get_session_status(SessionId=session_id)["Status"]["State"]
            if current == state:
                return
            require(current not in ("TERMINATED", "FAILED", "DEGRADED") or state in ("TERMINATED", "FAILED", "DEGRADED"),
                    "session %s is %s while waiting for %s" % (session_id, current, state))
            require(time.monotonic() < deadline,
                    "session %s still %s after %ss, waiting for %s" % (session_id, current, timeout, state))
            time.sleep(0.1)

    def wait_calculation(self, calculation_id, timeout=20.0, on_poll=None):
        """Polls GetCalculationExecution until a final state; returns the final response."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.athena.get_calculation_execution(CalculationExecutionId=calculation_id)
            if on_poll is not None:
                on_poll(response)
            state = response["Status"]["State"]
            if state in FINAL_CALCULATION_STATES:
                self.calculations.append((calculation_id, state))
                return response
            require(time.monotonic() < deadline, "calculation %s still %s after %ss" % (calculation_id, state, timeout))
            time.sleep(0.1)

    def run(self, code, **kwargs):
        start = self.athena.start_calculation_execution(SessionId=self.need("session_id"), CodeBlock=code, **kwargs)
        return self.wait_calculation(start["CalculationExecutionId"])

    def start_session(self):
        response = self.athena.start_session(WorkGroup=self.work_group, EngineConfiguration={"MaxConcurrentDpus": 2})
        require(response["State"] in ("CREATING", "CREATED", "IDLE"), "StartSession answered state %s" % response["State"])
        self.wait_session(response["SessionId"], "IDLE")
        return response["SessionId"]

    def listed_sessions(self, state=None):
        """The SessionIds ListSessions gives for the workgroup, in its order."""
        sessions = self.athena.list_sessions(WorkGroup=self.work_group, **({"StateFilter": state} if state else {}))["Sessions"]
        return [s["SessionId"] for s in sessions]

    def list_all_work_groups(self):
        names, token = [], None
        while True:
            page = self.athena.list_work_groups(**({"NextToken": token} if token else {}))
            names += [w["Name"] for w in page["WorkGroups"]]
            token = page.get("NextToken")
            if not token:
                return names

    @staticmethod
    def spark_configuration():
        return {
            "EngineVersion": {"SelectedEngineVersion": SPARK_ENGINE},
            "ExecutionRole": EXECUTION_ROLE,
            "ResultConfiguration": {"OutputLocation": OUTPUT_LOCATION},
        }

    # ---- workgroups

    def check_workgroups_listed(self):
        names = self.list_all_work_groups()
        require("primary" in names and "spark" in names, "ListWorkGroups lists %r" % names)

    def check_workgroup_created(self):
        # as on AWS, the workgroup's output bucket is the user's to make
        self.s3.create_bucket(Bucket=OUTPUT_LOCATION.split("/")[2])
        self.athena.create_work_group(Name=self.work_group, Configuration=self.spark_configuration())
        work_group = self.athena.get_work_group(WorkGroup=self.work_group)["WorkGroup"]
        configuration = work_group["Configuration"]
        require(work_group["Name"] == self.work_group and work_group["State"] == "ENABLED", "GetWorkGroup: %r" % work_group)
        require(configuration["EngineVersion"]["SelectedEngineVersion"] == SPARK_ENGINE, "engine: %r" % configuration)
        require(configuration["EngineVersion"].get("EffectiveEngineVersion") == SPARK_ENGINE,
                "effective engine: %r" % configuration)
        require(configuration.get("ExecutionRole") == EXECUTION_ROLE, "role: %r" % configuration)
        require(configuration["ResultConfiguration"]["OutputLocation"] == OUTPUT_LOCATION, "output location: %r" % configuration)
        require(self.work_group in self.list_all_work_groups(), "ListWorkGroups does not list the new workgroup")

    def check_workgroup_updated(self):
        self.athena.update_work_group(WorkGroup=self.work_group, Description="updated by boto3")
        work_group = self.athena.get_work_group(WorkGroup=self.work_group)["WorkGroup"]
        require(work_group.get("Description") == "updated by boto3", "Description after the update: %r" % work_group.get("Description"))
        require(work_group["Configuration"].get("ExecutionRole") == EXECUTION_ROLE, "the update lost the configuration: %r" % work_group)

    def check_spark_workgroup_without_role_refused(self):
        name = self.work_group + "-norole"
        configuration = self.spark_configuration()
        del configuration["ExecutionRole"]
        expect_error(lambda: self.raw.create_work_group(Name=name, Configuration=configuration),
                     "InvalidRequestException", message="executionRole is null or empty")
        expect_error(lambda: self.raw.get_work_group(WorkGroup=name), "InvalidRequestException")

    def check_duplicate_workgroup_refused(self):
        expect_error(lambda: self.raw.create_work_group(Name=self.work_group, Configuration=self.spark_configuration()),
                     "InvalidRequestException", message="WorkGroup is already created")

    def check_workgroup_deleted(self):
        name = self.work_group + "-deleted"
        self.athena.create_work_group(Name=name, Configuration=self.spark_configuration())
        self.athena.delete_work_group(WorkGroup=name)
        expect_error(lambda: self.raw.get_work_group(WorkGroup=name), "InvalidRequestException")
        require(name not in self.list_all_work_groups(), "ListWorkGroups still lists the deleted workgroup")

    # ---- session and calculations

    def check_session_started_idle(self):
        self.session_id = self.start_session()
        require(str(uuid.UUID(self.session_id)) == self.session_id, "SessionId %r is not a lowercase UUID" % self.session_id)
        session = self.athena.get_session(SessionId=self.session_id)
        require(session["WorkGroup"] == self.work_group, "GetSession WorkGroup: %r" % session["WorkGroup"])
        require(session["EngineVersion"] == SPARK_ENGINE, "GetSession EngineVersion: %r" % session["EngineVersion"])
        require(session["Status"]["State"] == "IDLE", "GetSession state: %r" % session["Status"])
        require(session["EngineConfiguration"]["MaxConcurrentDpus"] == 2, "EngineConfiguration: %r" % session["EngineConfiguration"])

    def check_sql_calculation_completed(self):
        polls = []

        def on_poll(response):
            polls.append(response)
            require("Status" in response and "Statistics" in response,
                    "poll %d lacks Status or Statistics: %r" % (len(polls), response))
            progress = response["Statistics"].get("Progress")
            require(isinstance(progress, str) and progress, "poll %d: Progress is %r" % (len(polls), progress))

        start = self.athena.start_calculation_execution(SessionId=self.need("session_id"), CodeBlock=SQL_CODE)
        calculation_id = start["CalculationExecutionId"]
        require(str(uuid.UUID(calculation_id)) == calculation_id,
                "CalculationExecutionId %r is not a lowercase UUID" % calculation_id)
        response = self.wait_calculation(calculation_id, on_poll=on_poll)
        self.sql_calculation = calculation_id
        status, statistics, result = response["Status"], response["Statistics"], response.get("Result", {})
        require(status["State"] == "COMPLETED", "ended %s: %r" % (status["State"], status.get("StateChangeReason")))
        require("StateChangeReason" not in status,
                "COMPLETED with a StateChangeReason: %r" % status.get("StateChangeReason"))
        require(statistics["DpuExecutionInMillis"] > 0, "DpuExecutionInMillis is %r" % statistics["DpuExecutionInMillis"])
        for field in ("StdOutS3Uri", "StdErrorS3Uri", "ResultS3Uri", "ResultType"):
            require(result.get(field), "Result.%s missing: %r" % (field, result))
        folder = "%ssession/%s/%s/" % (OUTPUT_LOCATION, self.session_id, calculation_id)
        require(result["StdOutS3Uri"].startswith(folder), "StdOutS3Uri %r is not under %r" % (result["StdOutS3Uri"], folder))
        stdout = read_s3(self.s3, result["StdOutS3Uri"])
        require(SHOWN_TABLE in stdout, "stdout lacks the shown table: %r" % stdout)
        read_s3(self.s3, result["StdErrorS3Uri"])
        bucket, _, prefix = result["ResultS3Uri"][len("s3://"):].partition("/")
        keys = [item["Key"] for item in self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
        require(prefix + "result.json" in keys, "the result folder %r holds %r" % (result["ResultS3Uri"], keys))
        status_only = self.athena.get_calculation_execution_status(CalculationExecutionId=calculation_id)
        require(status_only["Status"]["State"] == "COMPLETED" and "Statistics" in status_only,
                "GetCalculationExecutionStatus: %r" % status_only)

    def check_failing_sql_failed(self):
        response = self.run("%%sql\nSELECT * FROM no_such_table_boto3")
        require(response["Status"]["State"] == "FAILED", "ended %s" % response["Status"]["State"])
        require(response["Status"].get("StateChangeReason"), "FAILED without a StateChangeReason")
        stderr = read_s3(self.s3, response["Result"]["StdErrorS3Uri"])
        require("TABLE_OR_VIEW_NOT_FOUND" in stderr and "no_such_table_boto3" in stderr,
                "stderr lacks Spark's message: %r" % stderr)

    def check_python_block_runs_and_fails_as_athena_shows(self):
        response = self.run("print('hello from python')")
        require(response["Status"]["State"] == "COMPLETED", "ended %s" % response["Status"]["State"])
        stdout = read_s3(self.s3, response["Result"]["StdOutS3Uri"])
        require(stdout == "hello from python\n", "stdout is %r" % stdout)
        response = self.run("\nfoobar\n")
        require(response["Status"]["State"] == "FAILED", "ended %s" % response["Status"]["State"])
        stderr = read_s3(self.s3, response["Result"]["StdErrorS3Uri"]).strip()
        expected = 'File "<stdin>", line 2, in <module>\nNameError: name \'foobar\' is not defined'
        require(stderr == expected, "stderr is %r" % stderr)

    def check_long_calculation_runs_long(self):
        start = self.athena.start_calculation_execution(SessionId=self.need("session_id"), CodeBlock=LONG_SQL_CODE)
        self.long_calculation = start["CalculationExecutionId"]
        started = time.monotonic()
        while True:
            state = self.athena.get_calculation_execution_status(CalculationExecutionId=self.long_calculation)["Status"]["State"]
            if state == "RUNNING":
                break
            require(state in ("CREATING", "CREATED", "QUEUED"), "the long calculation is %s before it ran" % state)
            require(time.monotonic() - started < 10, "the long calculation did not reach RUNNING in 10 s")
            time.sleep(0.1)
        time.sleep(3)
        state = self.athena.get_calculation_execution_status(CalculationExecutionId=self.long_calculation)["Status"]["State"]
        require(state == "RUNNING", "a 60 s sleep is %s after 3 s" % state)
        session_state = self.athena.get_session_status(SessionId=self.session_id)["Status"]["State"]
        require(session_state == "BUSY", "the session is %s while its calculation runs" % session_state)

    def check_busy_session_refuses_calculation(self):
        self.need("long_calculation")
        expect_error(lambda: self.raw.start_calculation_execution(SessionId=self.session_id, CodeBlock=SQL_CODE),
                     "InvalidRequestException", message="Session is in the BUSY state; needs to be IDLE to accept Calculations.")

    def check_stop_cancels_calculation(self):
        long_calculation = self.need("long_calculation")
        stopped_at = time.monotonic()
        state = self.athena.stop_calculation_execution(CalculationExecutionId=long_calculation)["State"]
        require(state in ("CANCELING", "CANCELED"), "StopCalculationExecution answered %s" % state)
        response = self.wait_calculation(long_calculation, timeout=10)
        require(response["Status"]["State"] == "CANCELED", "ended %s" % response["Status"]["State"])
        require("Status" in response and "Statistics" in response, "CANCELED without Status or Statistics: %r" % response)
        require(time.monotonic() - stopped_at < 10, "took %.1f s to cancel" % (time.monotonic() - stopped_at))
        again = self.athena.stop_calculation_execution(CalculationExecutionId=long_calculation)["State"]
        require(again == "CANCELED", "a second stop answered %s" % again)

    def check_session_idle_after_stop(self):
        self.wait_session(self.need("session_id"), "IDLE", timeout=5)
        response = self.run(SQL_CODE)
        require(response["Status"]["State"] == "COMPLETED", "the next calculation ended %s" % response["Status"]["State"])

    def check_calculations_listed_newest_first(self):
        listed = self.athena.list_calculation_executions(SessionId=self.need("session_id"))["Calculations"]
        ids = [c["CalculationExecutionId"] for c in listed]
        expected = [c for c, _ in reversed(self.calculations)]
        require(ids == expected, "listed %r, started newest first %r" % (ids, expected))
        states = {c: s for c, s in self.calculations}
        for calculation in listed:
            require(calculation["Status"]["State"] == states[calculation["CalculationExecutionId"]],
                    "listed %r, ended %s" % (calculation, states[calculation["CalculationExecutionId"]]))

    def check_calculations_paged(self):
        self.need("session_id")
        ids, token, pages = [], None, 0
        while True:
            paging = {"NextToken": token} if token else {}
            page = self.athena.list_calculation_executions(SessionId=self.session_id, MaxResults=1, **paging)
            pages += 1
            require(len(page["Calculations"]) <= 1, "a page of MaxResults=1 holds %d" % len(page["Calculations"]))
            ids += [c["CalculationExecutionId"] for c in page["Calculations"]]
            token = page.get("NextToken")
            if not token:
                break
            require(pages <= len(self.calculations) + 1, "paging does not end")
        expected = [c for c, _ in reversed(self.calculations)]
        require(ids == expected, "paging visited %r, expected %r" % (ids, expected))

    def check_calculations_filtered(self):
        listed = self.athena.list_calculation_executions(SessionId=self.need("session_id"),
                                                         StateFilter="COMPLETED")["Calculations"]
        ids = [c["CalculationExecutionId"] for c in listed]
        expected = [c for c, s in reversed(self.calculations) if s == "COMPLETED"]
        require(ids == expected, "StateFilter=COMPLETED listed %r, expected %r" % (ids, expected))
        require(all(c["Status"]["State"] == "COMPLETED" for c in listed), "StateFilter=COMPLETED listed %r" % listed)

    def check_calculation_code_returned(self):
        code = self.athena.get_calculation_execution_code(CalculationExecutionId=self.need("sql_calculation"))["CodeBlock"]
        require(code == SQL_CODE, "GetCalculationExecutionCode: %r" % code)
        unusual = "%%sql\n-- naïve ✓ comment\tand tab\r\nSELECT 'x' AS x  \n\n"
        response = self.run(unusual)
        code = self.athena.get_calculation_execution_code(CalculationExecutionId=response["CalculationExecutionId"])["CodeBlock"]
        require(code == unusual, "GetCalculationExecutionCode: %r, submitted %r" % (code, unusual))

    def check_client_request_token_idempotent(self):
        token = uuid.uuid4().hex
        require(len(token) == 32, "token length")
        session_id = self.need("session_id")
        first = self.athena.start_calculation_execution(SessionId=session_id, CodeBlock=SQL_CODE, ClientRequestToken=token)
        self.wait_calculation(first["CalculationExecutionId"])
        repeat = self.athena.start_calculation_execution(SessionId=session_id, CodeBlock=SQL_CODE, ClientRequestToken=token)
        require(repeat["CalculationExecutionId"] == first["CalculationExecutionId"],
                "the repeat started %s, the first %s" % (repeat["CalculationExecutionId"], first["CalculationExecutionId"]))
        require(repeat["State"] == "COMPLETED", "the repeat answered state %s" % repeat["State"])
        expect_error(lambda: self.raw.start_calculation_execution(SessionId=self.session_id, CodeBlock="%%sql\nSELECT 2",
                                                                  ClientRequestToken=token),
                     "InvalidRequestException", contains=("Idempotent",))
        listed = self.athena.list_calculation_executions(SessionId=self.session_id)["Calculations"]
        require(len(listed) == len(self.calculations), "%d calculations listed, %d started" % (len(listed), len(self.calculations)))

    # ---- errors

    def check_unknown_session_refused(self):
        unknown = str(uuid.uuid4())
        expect_error(lambda: self.raw.get_session(SessionId=unknown), "InvalidRequestException", contains=(unknown,))
        expect_error(lambda: self.raw.get_session_status(SessionId=unknown), "InvalidRequestException", contains=(unknown,))

    def check_session_endpoint_refused(self):
        expect_error(lambda: self.raw.get_session_endpoint(SessionId=self.need("session_id")), "InvalidRequestException",
                     contains=("PySpark engine version 3", "Apache Spark version 3.5"))
        unknown = str(uuid.uuid4())
        expect_error(lambda: self.raw.get_session_endpoint(SessionId=unknown), "InvalidRequestException", contains=(unknown,))

    def check_session_on_sql_workgroup_refused(self):
        expect_error(lambda: self.raw.start_session(WorkGroup="primary", EngineConfiguration={"MaxConcurrentDpus": 2}),
                     "InvalidRequestException", contains=("primary",))

    def check_max_results_zero_refused(self):
        expect_error(lambda: self.raw.list_sessions(WorkGroup=self.work_group, MaxResults=0), "InvalidRequestException",
                     message="1 validation error detected: Value at 'maxResults' failed to satisfy constraint: "
                             "Member must have value greater than or equal to 1")

    def check_code_block_too_long_refused(self):
        before = len(self.athena.list_calculation_executions(SessionId=self.need("session_id"))["Calculations"])
        prefix = "%%sql\nSELECT 1 AS one\n-- "
        expect_error(lambda: self.raw.start_calculation_execution(SessionId=self.session_id,
                                                                  CodeBlock=prefix + "x" * (68001 - len(prefix))),
                     "InvalidRequestException", contains=("codeBlock", "68000"))
        after = len(self.athena.list_calculation_executions(SessionId=self.session_id)["Calculations"])
        require(after == before, "the refused calculation was recorded")
        response = self.run(prefix + "x" * (68000 - len(prefix)))
        require(response["Status"]["State"] == "COMPLETED",
                "a CodeBlock of exactly 68000 chars ended %s" % response["Status"]["State"])

    # ---- sessions listed and ended

    def check_sessions_listed_newest_first(self):
        self.need("session_id")
        second = self.start_session()
        ids = self.listed_sessions()
        require(ids == [second, self.session_id], "ListSessions: %r, expected newest first %r" % (ids, [second, self.session_id]))
        idle = self.listed_sessions("IDLE")
        require(idle == [second, self.session_id], "StateFilter=IDLE: %r" % idle)
        self.athena.terminate_session(SessionId=second)
        self.wait_session(second, "TERMINATED", timeout=10)
        terminated = self.listed_sessions("TERMINATED")
        require(terminated == [second], "StateFilter=TERMINATED: %r" % terminated)
        idle = self.listed_sessions("IDLE")
        require(idle == [self.session_id], "StateFilter=IDLE after a terminate: %r" % idle)

    def check_session_terminated(self):
        state = self.athena.terminate_session(SessionId=self.need("session_id"))["State"]
        require(state in ("TERMINATING", "TERMINATED"), "TerminateSession answered %s" % state)
        self.wait_session(self.session_id, "TERMINATED", timeout=10)
        status = self.athena.get_session(SessionId=self.session_id)["Status"]
        require(status.get("EndDateTime") is not None, "TERMINATED without EndDateTime: %r" % status)

    def check_terminate_again_succeeds(self):
        state = self.athena.terminate_session(SessionId=self.need("session_id"))["State"]
        require(state == "TERMINATED", "a second TerminateSession answered %s" % state)

    def check_terminated_session_refuses_calculation(self):
        self.need("session_id")
        expect_error(lambda: self.raw.start_calculation_execution(SessionId=self.session_id, CodeBlock=SQL_CODE),
                     "InvalidRequestException", message="Session is in the TERMINATED state; needs to be IDLE to accept Calculations.")

    def check_workgroup_deleted_recursively(self):
        self.athena.delete_work_group(WorkGroup=self.work_group, RecursiveDeleteOption=True)
        expect_error(lambda: self.raw.get_work_group(WorkGroup=self.work_group), "InvalidRequestException")


CHECKS = [
    "workgroups_listed",
    "workgroup_created",
    "workgroup_updated",
    "spark_workgroup_without_role_refused",
    "duplicate_workgroup_refused",
    "workgroup_deleted",
    "session_started_idle",
    "sql_calculation_completed",
    "failing_sql_failed",
    "python_block_runs_and_fails_as_athena_shows",
    "long_calculation_runs_long",
    "busy_session_refuses_calculation",
    "stop_cancels_calculation",
    "session_idle_after_stop",
    "calculation_code_returned",
    "client_request_token_idempotent",
    "unknown_session_refused",
    "session_endpoint_refused",
    "session_on_sql_workgroup_refused",
    "max_results_zero_refused",
    "code_block_too_long_refused",
    "calculations_listed_newest_first",
    "calculations_paged",
    "calculations_filtered",
    "sessions_listed_newest_first",
    "session_terminated",
    "terminate_again_succeeds",
    "terminated_session_refuses_calculation",
    "workgroup_deleted_recursively",
]


def main(argv):
    if len(argv) != 5:
        print("usage: %s <athena-endpoint-url> <s3-endpoint-url> <s3-access-key-id> <s3-secret-access-key>" % argv[0],
              file=sys.stderr)
        return 2
    lifecycle = Lifecycle(argv[1], s3_client(argv[2], argv[3], argv[4]))
    passed = failed = 0
    began = time.monotonic()
    for name in CHECKS:
        try:
            getattr(lifecycle, "check_" + name)()
            print("ok  %s" % name, flush=True)
            passed += 1
        except CheckFailed as e:
            print("FAIL %s: %s" % (name, e), flush=True)
            failed += 1
        except Exception as e:  # an unexpected error is a failed check too, with the line of this script it came from
            own = [frame for frame in traceback.extract_tb(e.__traceback__) if frame.filename == __file__]
            where = " (line %d)" % own[-1].lineno if own else ""
            print("FAIL %s: %s: %s%s" % (name, type(e).__name__, e, where), flush=True)
            failed += 1
    print("(%.1f s)" % (time.monotonic() - began), flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
