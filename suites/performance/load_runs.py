"""What the performance suite's fixtures and tests share: the acting user, the run plan and
the record of one load run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from accredit.sut import SutClient
from load.profiles import LoadProfile, Performance
from load.through_contract import SeededIds
from load.windows import Sample

__all__ = ["LOAD_USER", "RUN_PLAN", "LoadRun", "replay"]

#: The required user the load acts as: a social worker who may do every operation of the mix.
LOAD_USER = "sw_a"
#: The run plan of specs/performance.yaml an accreditation run follows.
RUN_PLAN = "accreditation"


@dataclass(frozen=True)
class LoadRun:
    profile: LoadProfile
    samples: list[Sample]
    out: Path


def replay(sut: SutClient, performance: Performance, operation: str, seeded: SeededIds) -> None:
    """Send one request of `operation` with the recording client: the evidence to repeat."""
    values = {"child_id": seeded.child_id[0], "form_id": seeded.form_id[0],
              "draft_form_id": (seeded.draft_form_id or seeded.form_id)[0],
              "phrase": quote(performance.search_phrases[0])}  # fmt: skip
    client = sut.as_user(LOAD_USER)
    for request in performance.operations[operation].requests:
        path = request.path.format(**values)
        if request.body == "note":
            client.post(path, {"text": "Replayed as evidence of a load run."})
        else:
            client.get(path)  # a save is shown by the read that precedes it
