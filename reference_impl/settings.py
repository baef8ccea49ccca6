"""How one instance of the reference implementation is configured."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reference_impl.faults import FAULTS, check_fault_names

__all__ = ["DEFAULT_DATABASE_URL", "MAX_BODY_BYTES", "UI_SESSION_SECONDS", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///reference.db"
#: The largest request body accepted: a 32,000-character note in four-byte characters fits.
MAX_BODY_BYTES = 1024 * 1024
#: A web UI session's lifetime. Workers were "logged out after a short period of time, meaning
#: inputted work was lost": the UI's drafts outlive the session whatever its length.
UI_SESSION_SECONDS = 30 * 60


@dataclass(frozen=True)
class Settings:
    """The reference's configuration: where it stores data, which specs and which faults.

    `database_url` is a SQLAlchemy URL (`sqlite:///path.db`, or `sqlite://` for memory);
    `specs_dir` defaults to the bundled or checked-out specs; `faults` names planted faults to
    switch on (see `reference_impl.faults.FAULTS`): an unknown name is refused at once.
    """

    database_url: str = DEFAULT_DATABASE_URL
    faults: frozenset[str] = field(default_factory=frozenset)
    specs_dir: Path | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    #: How long a web UI session lasts without signing in again.
    ui_session_seconds: int = UI_SESSION_SECONDS

    def __post_init__(self) -> None:
        object.__setattr__(self, "faults", check_fault_names(self.faults))
        if self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be positive, not {self.max_body_bytes}")
        if self.ui_session_seconds < 1:
            raise ValueError(f"ui_session_seconds must be positive, not {self.ui_session_seconds}")

    def fault(self, name: str) -> bool:
        """Return whether the planted fault `name` is switched on.

        Raises KeyError for a name the registry does not hold, so a typo in the code that plants
        a fault fails loudly instead of leaving the defect switched off for ever.
        """
        if name not in FAULTS:
            raise KeyError(f"no planted fault named {name!r}")
        return name in self.faults
