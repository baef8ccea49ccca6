"""What the performance suite's fixtures and tests share: the acting user, the run plan and
the record of one load run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from load.profiles import LoadProfile
from load.windows import Sample

__all__ = ["LOAD_USER", "RUN_PLAN", "LoadRun"]

#: The required user the load acts as: a social worker who may do every operation of the mix.
LOAD_USER = "sw_a"
#: The run plan of specs/performance.yaml an accreditation run follows.
RUN_PLAN = "accreditation"


@dataclass(frozen=True)
class LoadRun:
    profile: LoadProfile
    samples: list[Sample]
    out: Path
