"""A local DynamoDB and Secrets Manager for background callbacks: moto's server mode (PyPI, in
requirements-dev.txt), started as a process of its own on 127.0.0.1, no Docker, no AWS account.

    python -m tools.local_aws [--port 5000]     # run one in the foreground

`make serve` starts one (tools/serve.py) and points the function at it, as the tests do
(tests/conftest.py): the same boto3 calls as on AWS, against a real server on a local port.
"""

from __future__ import annotations

import argparse
import atexit
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# moto accepts any credentials; these keep boto3 from looking for real ones (and never reach AWS).
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
}
TABLE = "dash-jobs"


# moto's server mode in a process of its own, which ends when the process that started it does
# (its stdin closes): `make serve` stopped by a signal leaves no server behind.
SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@dataclass
class LocalAws:
    process: subprocess.Popen
    endpoint: str

    def environment(self, table: str = TABLE) -> dict[str, str]:
        """What the function needs to use it: the endpoint, credentials, the table, a local worker."""
        return {
            **LOCAL_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "DASH_JOBS_TABLE": table,
            "DASH_JOBS_WORKER": "thread",
        }

    def stop(self) -> None:
        # Its state is memory only: nothing to shut down gracefully (werkzeug's shutdown takes 0.5 s).
        self.process.kill()
        self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start(port: int = 0, timeout: float = 20.0) -> LocalAws:
    """Start moto's server on 127.0.0.1 (port 0: a free one) and wait until it answers."""
    process = subprocess.Popen(  # noqa: S603 - this Python's moto, our arguments
        [sys.executable, "-c", SERVER, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.isdigit():
        process.kill()
        raise RuntimeError("moto's server did not start (is requirements-dev.txt installed?)")
    endpoint = f"http://127.0.0.1:{line}"
    end = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1):  # noqa: S310 - http://127.0.0.1
                return LocalAws(process, endpoint)
        except OSError:  # URLError is one; not yet listening, or refused
            if process.poll() is not None or time.monotonic() > end:
                process.kill()
                raise RuntimeError(f"moto's server did not answer on {endpoint}") from None
            time.sleep(0.05)


def create_table(endpoint: str, table: str = TABLE) -> None:
    """The job table as template.yaml declares it (keys pk, sk)."""
    import boto3

    from serverless_dash.background import DynamoStore

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1", **_credentials())
    DynamoStore(table, client).create_table()


def _credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }


_this_process: LocalAws | None = None


def for_this_process(table: str = TABLE) -> dict[str, str]:
    """One server for this process (stopped when it exits), with the job table: the variables that
    point the function at it. Jobs run in threads of this process (DASH_JOBS_WORKER=thread)."""
    global _this_process
    if _this_process is None:
        _this_process = start()
        atexit.register(_this_process.stop)
        create_table(_this_process.endpoint, table)
    return _this_process.environment(table)


def configure() -> str:
    """Sets this process's environment for background callbacks (make serve, make sam-local), unless
    it names a table already; returns the line that says where jobs run and their state lives."""
    if not os.environ.get("DASH_JOBS_TABLE"):
        os.environ.update(for_this_process())
        os.environ.pop("DASH_JOBS_SECRET", None)  # the signing secret is the table's
    return (
        f"Background callbacks: jobs in threads of this process, their state in table "
        f"{os.environ['DASH_JOBS_TABLE']} at {os.environ.get('AWS_ENDPOINT_URL', 'AWS')} (moto's server)"
    )


def sam_env_vars(env_vars: dict[str, dict[str, str]] | None) -> dict[str, dict[str, str]]:
    """`sam local start-api --env-vars` overrides for the jobs' variables, which template.yaml sets
    with Refs SAM CLI cannot resolve locally: this process's table, jobs in threads, the table's
    signing secret (configure() starts the server if need be)."""
    configure()
    table = os.environ["DASH_JOBS_TABLE"]
    env_vars = {name: dict(values) for name, values in (env_vars or {}).items()}
    env_vars.setdefault("DashFunction", {}).update(
        {"DASH_JOBS_TABLE": table, "DASH_JOBS_WORKER": "thread", "DASH_JOBS_SECRET": ""}
    )
    env_vars.setdefault("DashWorkerFunction", {}).update({"DASH_JOBS_TABLE": table})
    return env_vars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    aws = start(args.port)
    create_table(aws.endpoint)
    print(f"moto server at {aws.endpoint}, table {TABLE}; Ctrl-C stops it", file=sys.stderr)
    try:
        aws.process.wait()
    except KeyboardInterrupt:
        aws.stop()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    main()
