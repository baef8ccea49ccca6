"""The statutory returns part of the specs (specs/returns.yaml): collection years, the SSDA903
tables and their DfE column names, the CIN census structure, and the validators and rulesets
the returns are checked with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType

from accredit.casework_spec import read_spec_yaml

__all__ = ["ReturnsSpec", "Validator", "returns_spec"]


@dataclass(frozen=True)
class Validator:
    package: str
    version: str
    module: str
    ruleset: str


@dataclass(frozen=True)
class ReturnsSpec:
    year_start: tuple[int, int]
    lea: str
    la_code: str
    software_code: str
    validators_venv: str
    ssda903_validator: Validator
    cin_validator: Validator
    query_suffix: str
    date_format: str
    tables: Mapping[str, tuple[str, ...]]  # SSDA903 table -> DfE column names
    ssda903_sex: Mapping[str, str]
    cin_header: Mapping[str, tuple[str, ...]]
    cin_child: Mapping[str, tuple[str, ...]]
    cin_sex: Mapping[str, str]

    def pip_requirements(self) -> tuple[str, ...]:
        """The validators as pip requirements (`make setup` installs exactly these)."""
        return tuple(
            f"{v.package}=={v.version}" for v in (self.ssda903_validator, self.cin_validator)
        )

    def year_bounds(self, collection_year: int) -> tuple[date, date]:
        """Return the first and last day of the collection year ending in `collection_year`."""
        start = date(collection_year - 1, *self.year_start)
        end = date.fromordinal(date(collection_year, *self.year_start).toordinal() - 1)
        return start, end


def _names(values: list[str]) -> tuple[str, ...]:
    return tuple(values)


@cache
def _load(root: Path) -> ReturnsSpec:
    doc = read_spec_yaml(root / "returns.yaml", "returns")
    validators = doc["validators"]
    return ReturnsSpec(
        year_start=(doc["collection_year_start"]["month"], doc["collection_year_start"]["day"]),
        lea=doc["local_authority"]["lea"],
        la_code=doc["local_authority"]["code"],
        software_code=doc["software_code"],
        validators_venv=validators["venv"],
        ssda903_validator=Validator(**validators["ssda903"]),
        cin_validator=Validator(**validators["cin"]),
        query_suffix=validators["query_suffix"],
        date_format=doc["ssda903"]["date_format"],
        tables=MappingProxyType({k: _names(v) for k, v in doc["ssda903"]["tables"].items()}),
        ssda903_sex=MappingProxyType(dict(doc["ssda903"]["sex"])),
        cin_header=MappingProxyType({k: _names(v) for k, v in doc["cin"]["header"].items()}),
        cin_child=MappingProxyType({k: _names(v) for k, v in doc["cin"]["child"].items()}),
        cin_sex=MappingProxyType(dict(doc["cin"]["sex"])),
    )


def returns_spec(root: Path) -> ReturnsSpec:
    """Return the validated returns spec under the spec folder `root` (read once per root)."""
    return _load(Path(root).resolve())


if __name__ == "__main__":  # `make setup`: the validators' pip requirements, one per line
    from accredit._paths import specs_root

    print("\n".join(returns_spec(specs_root()).pip_requirements()))
