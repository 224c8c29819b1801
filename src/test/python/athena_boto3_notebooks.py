#!/usr/bin/env python3
"""An Athena notebook's round trip through boto3 and Jupyter's own nbformat against a Noctua server.

    python3 athena_boto3_notebooks.py <endpoint-url> <s3-endpoint-url> <access-key-id> <secret-access-key>

A notebook written by nbformat is imported (as a payload, and from S3), its session is started with the notebook's id,
each code cell is run as a calculation in that session, the outputs are put under their cells as a client (Athena's
console) does, the notebook is saved with UpdateNotebook, exported, and read back by nbformat with the outputs in place.
Each check prints "ok  <name>" or "FAIL <name>: <why>"; the exit status is 1 if any check failed.
"""

import sys
import time
import uuid

import boto3
import nbformat
from botocore.config import Config

import checks
from checks import expect_error, require

FINAL = ("COMPLETED", "FAILED", "CANCELED")
WORK_GROUP = "spark"


def read_s3(s3, uri):
    bucket, _, key = uri[len("s3://"):].partition("/")
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


class Notebooks:
    def __init__(self, endpoint, s3_endpoint, key_id, secret):
        config = Config(retries={"max_attempts": 0})
        self.athena = boto3.client("athena", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                                   aws_secret_access_key="test", config=config)
        self.s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id=key_id,
                               aws_secret_access_key=secret)
        self.name = "round-trip-" + uuid.uuid4().hex[:8]
        self.notebook_id = None
        self.session_id = None

    def written_by_nbformat(self):
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [
            nbformat.v4.new_markdown_cell("# A notebook written by nbformat"),
            nbformat.v4.new_code_cell("%%sql\nSELECT 6 * 7 AS answer"),
            nbformat.v4.new_code_cell("greeting = 'hello from ' + 'noctua'\nprint(greeting)"),
        ]
        return notebook

    def check_import_a_payload(self):
        payload = nbformat.writes(self.written_by_nbformat())
        self.notebook_id = self.athena.import_notebook(WorkGroup=WORK_GROUP, Name=self.name, Type="IPYNB", Payload=payload)["NotebookId"]
        metadata = self.athena.get_notebook_metadata(NotebookId=self.notebook_id)["NotebookMetadata"]
        require(metadata["Name"] == self.name and metadata["WorkGroup"] == WORK_GROUP and metadata["Type"] == "IPYNB",
                "metadata: %r" % metadata)
        listed = self.athena.list_notebook_metadata(WorkGroup=WORK_GROUP, Filters={"Name": self.name[-8:]})["NotebookMetadataList"]
        require([n["NotebookId"] for n in listed] == [self.notebook_id], "filtered list: %r" % listed)
        expect_error(lambda: self.athena.import_notebook(WorkGroup=WORK_GROUP, Name=self.name, Type="IPYNB", Payload=payload),
                     "InvalidRequestException", contains=("already exists",))

    def check_import_from_s3(self):
        self.s3.put_object(Bucket="noctua-results", Key="notebooks/from-s3.ipynb", Body=nbformat.writes(self.written_by_nbformat()).encode())
        notebook_id = self.athena.import_notebook(WorkGroup=WORK_GROUP, Name=self.name + "-s3", Type="IPYNB",
                                                  NotebookS3LocationUri="s3://noctua-results/notebooks/from-s3.ipynb")["NotebookId"]
        exported = nbformat.reads(self.athena.export_notebook(NotebookId=notebook_id)["Payload"], as_version=4)
        require(len(exported.cells) == 3, "cells imported from S3: %r" % exported.cells)
        self.athena.delete_notebook(NotebookId=notebook_id)
        expect_error(lambda: self.athena.get_notebook_metadata(NotebookId=notebook_id), "InvalidRequestException", contains=("not found",))

    def check_a_session_of_the_notebook_runs_its_cells(self):
        response = self.athena.start_session(WorkGroup=WORK_GROUP, NotebookVersion="Athena notebook version 1",
                                             EngineConfiguration={"MaxConcurrentDpus": 4, "AdditionalConfigs": {"NotebookId": self.notebook_id}})
        self.session_id = response["SessionId"]
        deadline = time.monotonic() + 30
        while self.athena.get_session_status(SessionId=self.session_id)["Status"]["State"] != "IDLE":
            require(time.monotonic() < deadline, "the notebook's session did not become IDLE")
            time.sleep(0.1)
        sessions = self.athena.list_notebook_sessions(NotebookId=self.notebook_id)["NotebookSessionsList"]
        require([s["SessionId"] for s in sessions] == [self.session_id], "the notebook's sessions: %r" % sessions)

        notebook = nbformat.reads(self.athena.export_notebook(NotebookId=self.notebook_id)["Payload"], as_version=4)
        for count, cell in enumerate([c for c in notebook.cells if c.cell_type == "code"], start=1):
            started = self.athena.start_calculation_execution(SessionId=self.session_id, CodeBlock=cell.source)
            while True:
                calculation = self.athena.get_calculation_execution(CalculationExecutionId=started["CalculationExecutionId"])
                if calculation["Status"]["State"] in FINAL:
                    break
                time.sleep(0.1)
            require(calculation["Status"]["State"] == "COMPLETED", "cell %d: %r" % (count, calculation["Status"]))
            cell.execution_count = count
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=read_s3(self.s3, calculation["Result"]["StdOutS3Uri"]))]
        self.athena.update_notebook(NotebookId=self.notebook_id, Payload=nbformat.writes(notebook), Type="IPYNB", SessionId=self.session_id)

        exported = self.athena.export_notebook(NotebookId=self.notebook_id)
        read_back = nbformat.reads(exported["Payload"], as_version=4)
        nbformat.validate(read_back)
        code = [c for c in read_back.cells if c.cell_type == "code"]
        require("|answer|" in code[0].outputs[0].text and "    42|" in code[0].outputs[0].text, "the SQL cell's output: %r" % code[0].outputs)
        require(code[1].outputs[0].text == "hello from noctua\n", "the Python cell's output: %r" % code[1].outputs)
        require(read_back.cells[0].source == "# A notebook written by nbformat", "the markdown cell: %r" % read_back.cells[0])
        metadata = exported["NotebookMetadata"]
        require(metadata["LastModifiedTime"] >= metadata["CreationTime"], "times: %r" % metadata)

        presigned = self.athena.create_presigned_notebook_url(SessionId=self.session_id)
        require(presigned["NotebookUrl"].endswith("#session=%s&token=%s" % (self.session_id, presigned["AuthToken"])), "the URL: %r" % presigned)
        require(abs(presigned["AuthTokenExpirationTime"] - (time.time() + 600)) < 10, "the expiry: %r" % presigned)
        expect_error(lambda: self.athena.create_presigned_notebook_url(SessionId=str(uuid.uuid4())), "InvalidRequestException",
                     contains=("not found",))

    def check_rename_and_bad_requests(self):
        self.athena.update_notebook_metadata(NotebookId=self.notebook_id, Name=self.name + "-renamed")
        require(self.athena.get_notebook_metadata(NotebookId=self.notebook_id)["NotebookMetadata"]["Name"] == self.name + "-renamed",
                "the rename did not take")
        expect_error(lambda: self.athena.update_notebook(NotebookId=self.notebook_id, Payload="{\"not\": \"a notebook\"}", Type="IPYNB",
                                                         SessionId=self.session_id),
                     "InvalidRequestException", contains=("nbformat 4",))
        expect_error(lambda: self.athena.create_notebook(WorkGroup="no-such-work-group", Name="x"), "InvalidRequestException",
                     contains=("WorkGroup is not found.",))
        expect_error(lambda: self.athena.list_notebook_sessions(NotebookId=str(uuid.uuid4())), "ResourceNotFoundException")
        self.athena.terminate_session(SessionId=self.session_id)
        self.athena.delete_notebook(NotebookId=self.notebook_id)


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    return checks.run(Notebooks(*argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
