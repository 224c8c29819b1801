"""What the boto3 test scripts share: checks that fail with a reason, expected errors, and running a class's checks in order.

A script defines a class whose methods named check_* run in the order they are written and may share state; run(instance)
prints "ok   <name>" or "FAIL <name>: <why>" for each, then "N passed, N failed", and returns the exit status (1 if any
failed).
"""

import traceback

from botocore.exceptions import ClientError


class CheckFailed(Exception):
    pass


def require(condition, why):
    if not condition:
        raise CheckFailed(why)


def expect_error(call, code, contains=()):
    """Runs call, which must fail with error code `code` and a message holding each of `contains`; returns the message."""
    try:
        response = call()
    except ClientError as e:
        actual = e.response["Error"]["Code"]
        message = e.response["Error"].get("Message", "")
        require(actual == code, "expected %s, got %s: %r" % (code, actual, message))
        for part in contains:
            require(part in message, "message %r does not mention %r" % (message, part))
        return message
    response.pop("ResponseMetadata", None)
    raise CheckFailed("expected %s, the call succeeded: %r" % (code, response))


def run(instance):
    checks = [getattr(instance, name) for name in type(instance).__dict__ if name.startswith("check_")]
    passed = failed = 0
    for check in checks:
        try:
            check()
            print("ok   " + check.__name__)
            passed += 1
        except Exception as e:  # a failed check is reported and the rest still run
            print("FAIL %s: %s" % (check.__name__, e if isinstance(e, CheckFailed) else traceback.format_exc()))
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
