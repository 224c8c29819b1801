"""boto3's default S3 client against an S3 store: the operations Athena users' scripts and test
setups run, then the fixture files DataFormatsTest reads from calculations.

    python3 s3_default_client.py ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY BUCKET

Nothing in the client's configuration is changed from boto3's defaults (checksums included): only
the endpoint, a region and the keys are given. Exits 0 and prints "ok" when every check passed.
"""
import bz2
import gzip
import hashlib
import os
import sys
import tempfile

import boto3
from botocore.exceptions import ClientError

endpoint, key_id, secret, bucket = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=key_id, aws_secret_access_key=secret)


def check(condition, message):
    if not condition:
        print("FAILED: " + message, file=sys.stderr)
        sys.exit(1)


try:
    s3.create_bucket(Bucket=bucket)
except ClientError as e:
    check(e.response["Error"]["Code"] in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"), str(e))

# put, head, get, copy, list with a delimiter, delete_objects (which always sends a checksum)
s3.put_object(Bucket=bucket, Key="client/small.txt", Body=b"hello")
check(s3.head_object(Bucket=bucket, Key="client/small.txt")["ContentLength"] == 5, "head_object length")
check(s3.get_object(Bucket=bucket, Key="client/small.txt")["Body"].read() == b"hello", "get_object body")
s3.copy_object(Bucket=bucket, Key="client/sub/copy.txt", CopySource={"Bucket": bucket, "Key": "client/small.txt"})
listed = s3.list_objects_v2(Bucket=bucket, Prefix="client/", Delimiter="/")
check([c["Prefix"] for c in listed.get("CommonPrefixes", [])] == ["client/sub/"], "CommonPrefixes: %s" % listed)
check([o["Key"] for o in listed.get("Contents", [])] == ["client/small.txt"], "Contents: %s" % listed)

# a multipart upload (boto3 switches to multipart at 8 MB) and its download, byte for byte
with tempfile.TemporaryDirectory() as scratch:
    upload = os.path.join(scratch, "big.bin")
    with open(upload, "wb") as f:
        f.write(os.urandom(9 * 1024 * 1024 + 17))
    s3.upload_file(upload, bucket, "client/big.bin")
    download = os.path.join(scratch, "back.bin")
    s3.download_file(bucket, "client/big.bin", download)
    digest = lambda path: hashlib.sha256(open(path, "rb").read()).hexdigest()
    check(digest(upload) == digest(download), "the downloaded multipart object differs from the upload")
    check(s3.head_object(Bucket=bucket, Key="client/big.bin")["ContentLength"] == 9 * 1024 * 1024 + 17, "multipart length")

deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "client/sub/copy.txt"}, {"Key": "client/big.bin"}]})
check(len(deleted.get("Deleted", [])) == 2 and not deleted.get("Errors"), "delete_objects: %s" % deleted)
check(s3.list_objects_v2(Bucket=bucket, Prefix="client/")["KeyCount"] == 1, "keys left after delete_objects")

# a checksum that does not match the body is refused, and nothing is stored
try:
    s3.put_object(Bucket=bucket, Key="client/corrupt.txt", Body=b"hello", ChecksumCRC32="AAAAAA==")
    check(False, "a wrong x-amz-checksum-crc32 was accepted")
except ClientError as e:
    check(e.response["Error"]["Code"] == "BadDigest", "wrong checksum: %s" % e.response["Error"])
check(s3.list_objects_v2(Bucket=bucket, Prefix="client/corrupt")["KeyCount"] == 0, "a refused object was stored")

# the files DataFormatsTest reads
people_csv = b"name,age,city\nalice,34,Paris\nbob,28,Oslo\ncarol,45,Lima\n"
people_json = b'{"name":"alice","age":34,"city":"Paris"}\n{"name":"bob","age":28,"city":"Oslo"}\n{"name":"carol","age":45,"city":"Lima"}\n'
fixtures = {
    "csv/people.csv": people_csv,
    "csv-gzip/people.csv.gz": gzip.compress(people_csv),
    "json/people.json": people_json,
    "json-bzip2/people.json.bz2": bz2.compress(people_json),
    "text/lines.txt": b"one\ntwo\nthree\n",
    "delimited/data.txt": b"id,name,tags,attrs\n1,alice,a|b,k:v1|j:w1\n2,bob\\,jr,c,k:v2\n",
    "opencsv/quoted.csv": b'id,name,quote\n"1","Smith, John","said ""hi"""\n"2","Doe, Jane","plain"\n',
    "tsv/rows.tsv": b"1\tx\n2\ty\n3\tz\n",
    "hcatalog-json/rows.json": b'{"id":1,"name":"a","point":{"x":1,"y":2}}\n{"id":2,"name":"b","point":{"x":3,"y":4}}\n',
    "openx-json/rows.json": b'{"Id":1,"Name":"a"}\n{"Id":2,"Name":"b"}\nnot json\n',
    "partitioned/dt=2024-01-01/part-0.txt": b"1,a\n2,b\n",
    "partitioned/dt=2024-01-02/part-0.txt": b"3,c\n",
    "elsewhere/dt3/part-0.txt": b"4,d\n5,e\n",
}
for key, body in fixtures.items():
    s3.put_object(Bucket=bucket, Key="fixtures/" + key, Body=body)
print("ok")
