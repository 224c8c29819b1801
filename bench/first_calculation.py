"""Cold start, as a user meets it: `./noctua serve` on a fresh data directory until the first
`%%sql SELECT 1` is COMPLETED, then the server's resident memory once idle.

    python3 bench/first_calculation.py [CHECKOUT] [--runs=3] [--idle-seconds=20]

CHECKOUT is a built Noctua checkout (default: this one; run `./noctua --help` once to build it).
Each run starts `CHECKOUT/noctua serve --port 0` with its own data directory and an embedded S3
store on a free port, reads the endpoint from its banner, starts a session (boto3), runs the
calculation, then sleeps and sums VmRSS over the server's process tree (its JVM, s3proxy and the
Python workers). Prints each run and the medians.
"""
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import boto3


def tree_rss_kib(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except OSError:
                pass
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            with open("/proc/%d/status" % current) as f:
                total += int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        except (OSError, AttributeError):
            pass
    return total


def one_run(checkout, idle_seconds):
    data = tempfile.mkdtemp(prefix="noctua-first-calc-")
    log = open(os.path.join(data, "server.log"), "w")
    begin = time.monotonic()
    # the machine's python3: the Python environment a first start builds (minutes, once per data
    # directory) is not what this measures, and every run here has a fresh data directory
    server = subprocess.Popen([os.path.join(checkout, "noctua"), "serve", "--port", "0", "--data-dir", data, "--conf", "s3.port=0",
                               "--conf", "python.executable=python3"],
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        endpoint = None
        while endpoint is None:
            if server.poll() is not None:
                raise SystemExit("the server exited: " + open(log.name).read())
            match = re.search(r"^\s*endpoint\s+(http://\S+)", open(log.name).read(), re.M)
            endpoint = match.group(1) if match else None
            time.sleep(0.05)
        banner = time.monotonic() - begin
        athena = boto3.client("athena", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="bench", aws_secret_access_key="bench")
        session = athena.start_session(WorkGroup="spark", EngineConfiguration={"MaxConcurrentDpus": 2})["SessionId"]
        while True:  # the session is IDLE once Spark is up
            session_state = athena.get_session_status(SessionId=session)["Status"]["State"]
            if session_state == "IDLE":
                break
            if session_state in ("FAILED", "TERMINATED"):
                raise SystemExit("the session ended " + session_state)
            time.sleep(0.05)
        calculation = athena.start_calculation_execution(SessionId=session, CodeBlock="%%sql\nSELECT 1")["CalculationExecutionId"]
        while True:
            state = athena.get_calculation_execution_status(CalculationExecutionId=calculation)["Status"]["State"]
            if state in ("COMPLETED", "FAILED", "CANCELED"):
                break
            time.sleep(0.05)
        first = time.monotonic() - begin
        if state != "COMPLETED":
            raise SystemExit("the first calculation ended " + state)
        time.sleep(idle_seconds)
        rss = tree_rss_kib(server.pid) / 1024
        return banner, first, rss
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(60)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    options = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    checkout = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    runs, idle = int(options.get("runs", 3)), float(options.get("idle-seconds", 20))
    results = []
    for i in range(runs):
        banner, first, rss = one_run(checkout, idle)
        results.append((banner, first, rss))
        print("run %d: banner %.2f s, first SELECT 1 COMPLETED %.2f s, idle RSS %.0f MiB" % (i + 1, banner, first, rss), flush=True)
    print("median of %d (%s): banner %.2f s, first calculation %.2f s, idle RSS %.0f MiB" % (
        runs, checkout, statistics.median(r[0] for r in results), statistics.median(r[1] for r in results),
        statistics.median(r[2] for r in results)))


if __name__ == "__main__":
    main()
