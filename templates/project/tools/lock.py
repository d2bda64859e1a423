"""`make lock`: pin src/requirements.in into src/requirements.txt, with uv.

    python -m tools.lock [--upgrade]

Two resolutions, each with the dev tools of requirements-dev.txt, so that the pins install beside
them in .venv (aws-sam-cli pins click, for one):

1. for the function as Lambda runs it: the runtime's Python, architecture and glibc (template.yaml),
   wheels only. A version without a wheel that runs there is never picked (pandas 3 and numpy 2.3
   and later ship none for python3.11, whose Amazon Linux 2 has glibc 2.26);
2. universal (every OS, the runtime's Python and later), within the versions of 1: the app's tree
   only, with markers, so that .venv installs on any machine.

Pins already in src/requirements.txt are kept unless --upgrade. Needs the package index (PyPI).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.build_function import AL2_RUNTIMES, MANYLINUX, Target, target_of
from tools.stack_config import PROJECT_DIR

FUNCTION_ID = "DashFunction"
REQUIREMENTS_IN = PROJECT_DIR / "src" / "requirements.in"
REQUIREMENTS_TXT = PROJECT_DIR / "src" / "requirements.txt"
REQUIREMENTS_DEV = PROJECT_DIR / "requirements-dev.txt"
COMMON = ["--quiet", "--no-annotate"]


def lambda_platform(target: Target) -> str:
    """uv's name for the newest manylinux tag the runtime's OS runs, e.g. x86_64-manylinux_2_17."""
    tag = MANYLINUX["al2" if target.runtime in AL2_RUNTIMES else "al2023"][-1]
    return f"{target.machine}-{tag}"


def uv(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "uv", "pip", "compile", *args], check=True)  # noqa: S603 - our arguments


def lock(upgrade: bool = False) -> Path:
    target = target_of(PROJECT_DIR / "template.yaml", FUNCTION_ID)
    extra = ["--upgrade"] if upgrade else []
    with tempfile.TemporaryDirectory() as tmp:
        dev_tools = Path(tmp) / "dev-tools.in"
        dev_lines = REQUIREMENTS_DEV.read_text(encoding="utf-8").splitlines()
        dev_tools.write_text("\n".join(line for line in dev_lines if not line.startswith("-r")) + "\n")
        on_lambda = Path(tmp) / "on-lambda.txt"
        shutil.copyfile(REQUIREMENTS_TXT, on_lambda)  # the current pins, as uv's preferences
        uv(
            *COMMON,
            *extra,
            "--python-version",
            target.python_version,
            "--python-platform",
            lambda_platform(target),
            "--only-binary",
            ":all:",
            "--no-header",
            str(REQUIREMENTS_IN),
            str(dev_tools),
            "-o",
            str(on_lambda),
        )
        uv(
            *COMMON,
            *extra,
            "--universal",
            "--python-version",
            target.python_version,  # and later
            "--custom-compile-command",
            "make lock",
            str(REQUIREMENTS_IN),
            "-c",
            str(on_lambda),
            "-o",
            str(REQUIREMENTS_TXT),
        )
    return REQUIREMENTS_TXT


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.lock", description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="newest allowed versions, not the current pins")
    args = parser.parse_args(argv)
    written = lock(upgrade=args.upgrade)
    pins = sum(1 for line in written.read_text().splitlines() if "==" in line and not line.startswith("#"))
    print(f"{written.relative_to(PROJECT_DIR)} pins {pins} packages; `make install` puts them in .venv")


if __name__ == "__main__":
    main()
