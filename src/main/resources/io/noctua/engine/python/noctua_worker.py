"""Noctua's Python worker: one per Athena session, the session's persistent Python namespace.

Speaks JSON lines with the server (the contract is docs/python-worker.md): the server writes one
{"type": "execute", ...} request per line on stdin and reads one {"type": "done", ...} answer per
line on stdout. Only the standard library is used. The process's own stdin and stdout are kept for
the protocol; the code a calculation runs sees an empty stdin, and what it prints is captured.
"""
import ast
import io
import json
import os
import signal
import sys
import traceback

SOURCE_NAME = "<stdin>"  # Athena compiles calculations as <stdin>; tracebacks name it so
SPARK_HINT = (" (Noctua binds 'spark' and 'sc' to the session's SparkSession when this Python can import"
              " pyspark 3.5: pip install 'pyspark==3.5.*')")


def open_protocol():
    """Keeps fds 0 and 1 for the protocol and points them, for everything else, at /dev/null."""
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8", newline="\n")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    sys.stdin = io.StringIO("")
    return requests, answers


def send(answers, message):
    answers.write(json.dumps(message) + "\n")
    answers.flush()


def split_trailing_expression(tree):
    """The cell without its last statement if that is an expression, and that expression."""
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body.pop()
        return tree, ast.Expression(body=last.value)
    return tree, None


def format_exception(error):
    """Athena's form: the frames of the submitted code only, then the exception; no Traceback header."""
    lines = []
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == SOURCE_NAME:
            lines.append('  File "%s", line %d, in %s\n' % (frame.filename, frame.lineno, frame.name))
    lines.extend(traceback.format_exception_only(type(error), error))
    text = "".join(lines)
    if isinstance(error, NameError) and str(error) in ("name 'spark' is not defined", "name 'sc' is not defined"):
        text = text.rstrip("\n") + SPARK_HINT + "\n"
    return text


def run_cell(code, namespace):
    """Runs one cell; returns (status, result_text, error_text)."""
    try:
        tree = ast.parse(code, SOURCE_NAME, "exec")
        body, expression = split_trailing_expression(tree)
        exec(compile(body, SOURCE_NAME, "exec"), namespace)
        if expression is None:
            return "ok", None, None
        value = eval(compile(expression, SOURCE_NAME, "eval"), namespace)
        return "ok", (None if value is None else repr(value)), None
    except KeyboardInterrupt as error:
        return "interrupted", None, format_exception(error)
    except BaseException as error:  # SystemExit too: a cell never ends the session's Python
        return "error", None, format_exception(error)


def execute(request, namespace):
    stdout, stderr = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr
    try:
        status, result, error = run_cell(request.get("code", ""), namespace)
    finally:
        sys.stdout, sys.stderr = saved
    if error:
        stderr.write(error)
    return {
        "type": "done",
        "id": request.get("id"),
        "status": status,
        "stdout": stdout.getvalue(),
        "stderr": stderr.getvalue(),
        "result": None if result is None else {"text/plain": result},
        "error": None if not error else error.strip().splitlines()[-1],
    }


def main():
    requests, answers = open_protocol()
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    send(answers, {"type": "ready", "python": "%d.%d.%d" % sys.version_info[:3], "pid": os.getpid()})
    while True:
        try:
            line = requests.readline()
            if not line:
                return  # the server closed the pipe: the session ended
            request = json.loads(line)
            if request.get("type") == "execute":
                send(answers, execute(request, namespace))
            else:
                send(answers, {"type": "error", "id": request.get("id"), "error": "unknown request type"})
        except KeyboardInterrupt:
            continue  # a stop that arrived after its cell had finished: nothing left to stop


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
