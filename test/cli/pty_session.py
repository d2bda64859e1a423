"""Drives a command through a pseudo-terminal, as a person at a keyboard would.

usage: python3 pty_session.py '<json steps>' command [args...]
steps: [{"expect": "<regex>", "send": "<keys>"}, ...]: wait (up to 20 s) until the output, ANSI
codes stripped, matches `expect` after the previous match, then type `send`.
Prints the whole transcript (ANSI stripped) and exits with the command's exit status; exit 124 when
an expectation times out.
"""
import json
import os
import pty
import re
import select
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]|\x1b\][^\x07]*\x07")
TIMEOUT_S = 20


def main() -> int:
    steps = json.loads(sys.argv[1])
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    raw = b""
    seen = 0  # expectations match only output after the previous match

    def read(timeout: float) -> bool:
        nonlocal raw
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # child closed the terminal
            return False
        if not chunk:
            return False
        raw += chunk
        return True

    for step in steps:
        deadline = time.monotonic() + TIMEOUT_S
        pattern = re.compile(step["expect"])
        while True:
            text = ANSI.sub("", raw.decode("utf-8", "replace"))
            m = pattern.search(text, seen)
            if m:
                seen = m.end()
                break
            if time.monotonic() > deadline or not read(0.2):
                sys.stdout.write(text)
                sys.stdout.write(f"\n[pty_session] timed out waiting for {step['expect']!r}\n")
                os.kill(pid, 9)
                return 124
        time.sleep(0.05)
        os.write(fd, step["send"].encode())
    while read(TIMEOUT_S):
        pass
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(ANSI.sub("", raw.decode("utf-8", "replace")))
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


if __name__ == "__main__":
    sys.exit(main())
