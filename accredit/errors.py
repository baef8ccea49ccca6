"""The exceptions the command line turns into one line and an exit code.

Three kinds of failure never mix: a requirement that fails is a verdict (data in results.json);
a user's mistake is a `UserError` (one line, exit 2); anything else is a bug of the harness and
keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """A mistake in something the user gave us: a spec, a profile, an argument. Exit 2."""

    exit_code = 2


class SpecError(UserError):
    """A spec file that does not load or does not validate."""

    def __init__(self, file: Path | str, path: str, problem: str) -> None:
        self.file = str(file)
        self.path = path
        self.problem = problem
        where = f"{self.file}: {path}" if path else self.file
        super().__init__(f"{where}: {problem}")


class ProfileError(UserError):
    """A SUT profile that is missing, malformed or incomplete."""


class SutUnreachable(UserError):
    """The product under test does not answer at all. Exit 3: nothing could be tested."""

    exit_code = 3
