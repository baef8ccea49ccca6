"""Start the reference implementation as a real server, for `accredit demo` and the tests.

The reference runs in its own process on 127.0.0.1, on a free port, with its own SQLite file.
Its test users' tokens reach the harness only through a SUT profile written to a private
temporary folder, never to the run's artefacts.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["RunningReference", "free_port", "running_reference"]

START_DEADLINE_SECONDS = 30.0


@dataclass(frozen=True)
class RunningReference:
    base_url: str
    profile: Path
    database: Path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_reference(
    faults: Iterable[str] = (), log: Path | None = None, database: Path | None = None
) -> Iterator[RunningReference]:
    """Run the reference on a free port until the block ends; yield where it is."""
    with tempfile.TemporaryDirectory(prefix="accredit-reference-") as private:
        profile = Path(private) / "sut.yaml"
        db = database or Path(private) / "reference.db"
        port = free_port()
        command = [
            sys.executable, "-m", "accredit", "reference", "serve",
            "--port", str(port), "--db", str(db), "--profile-out", str(profile),
        ]  # fmt: skip
        for fault in faults:
            command += ["--fault", fault]
        sink = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
        try:
            with subprocess.Popen(
                command, stdout=sink, stderr=sink, start_new_session=True
            ) as server:
                try:
                    base_url = f"http://127.0.0.1:{port}"
                    _wait_until_ready(server, base_url, profile)
                    yield RunningReference(base_url, profile, db)
                finally:
                    _stop(server)
        finally:
            if log:
                sink.close()  # type: ignore[union-attr]


def _wait_until_ready(server: subprocess.Popen[bytes], base_url: str, profile: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the reference exited with status {server.returncode} at start")
        try:
            if profile.is_file() and httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass  # not listening yet: poll again until the deadline
        time.sleep(0.05)
    raise RuntimeError(
        f"the reference did not answer at {base_url} within {START_DEADLINE_SECONDS:g} s"
    )


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
