"""The pre-population part of the specs: where a question's answer may come from
(`prepopulate` in specs/forms), which question of one age band carries into which of another
(`band_mapping`), which source wins (specs/prepopulation.yaml) and how the two age-band sets
correspond (`mappings` in specs/age_bands.yaml).

`accredit.specs` loads these with the rest of the bundle; this module holds their models and the
checks that need more than the JSON Schema (a sibling source only on a family-level question, a
mapping only between questions its bands ask, a band mapping that matches the years).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accredit.errors import SpecError

__all__ = [
    "CHILD_RECORD",
    "EARLIER_FORM",
    "FAMILY_LEVEL",
    "PREVIOUS",
    "RULES",
    "SIBLING",
    "AgeBandMapping",
    "BandMapping",
    "BandPair",
    "PrepopulationRules",
    "Source",
    "band_mapping_from",
    "prepopulation_rules_from",
    "source_from",
]

#: The pre-population rules a question may list (specs/schema/form.schema.json).
CHILD_RECORD, PREVIOUS, SIBLING, EARLIER_FORM = (
    "child_record",
    "previous",
    "sibling",
    "earlier_form",
)
RULES = (CHILD_RECORD, PREVIOUS, SIBLING, EARLIER_FORM)
#: The section level whose answers describe the family, so a declared sibling's may be copied.
FAMILY_LEVEL = "family"


@dataclass(frozen=True)
class Source:
    """One place a question's answer may be copied from."""

    rule: str
    field: str | None = None  # child_record: the field of the child's record
    kind: str | None = None  # earlier_form: the earlier form kind
    question: str | None = None  # earlier_form: its question

    def describe(self) -> str:
        """Return the source as the specs write it, e.g. `earlier_form initial_assessment.x`."""
        if self.rule == CHILD_RECORD:
            return f"{CHILD_RECORD} {self.field}"
        if self.rule == EARLIER_FORM:
            return f"{EARLIER_FORM} {self.kind}.{self.question}"
        return self.rule


@dataclass(frozen=True)
class BandPair:
    """How questions of the `from_bands` carry into the `to_bands`."""

    from_bands: tuple[str, ...]
    to_bands: tuple[str, ...]
    map: Mapping[str, str]  # source question id -> target question id
    not_carried: tuple[str, ...]

    def covers(self, from_band: str, to_band: str) -> bool:
        """Return whether this pair speaks of carrying from `from_band` into `to_band`."""
        return from_band in self.from_bands and to_band in self.to_bands


@dataclass(frozen=True)
class BandMapping:
    """The age-band mapping table of a form kind."""

    same_id: bool
    pairs: tuple[BandPair, ...]

    def source_question(
        self,
        from_band: str,
        to_band: str,
        target: str,
        asked_in_from: frozenset[str],
    ) -> str | None:
        """Return the question of a `from_band` record that carries into `target` of a
        `to_band` record, or None when nothing does (unmapped is not carried).

        Within one band a question maps to itself. Across bands an explicit `map` entry wins;
        otherwise the same id maps to itself when `same_id` holds and no pair lists it as
        not carried.
        """
        if from_band == to_band:
            return target if target in asked_in_from else None
        pairs = [p for p in self.pairs if p.covers(from_band, to_band)]
        for pair in pairs:
            for source, mapped in pair.map.items():
                if mapped == target and source in asked_in_from:
                    return source
        if not self.same_id or target not in asked_in_from:
            return None
        if any(target in pair.not_carried for pair in pairs):
            return None
        return target


@dataclass(frozen=True)
class PrepopulationRules:
    """specs/prepopulation.yaml: which source gives the default answer, and the requirement
    each rule answers to."""

    version: str
    precedence: tuple[str, ...]
    requirements: Mapping[str, str]  # rule name -> requirement id of the catalogue

    def rank(self, rule: str) -> int:
        """Return the place of `rule` in the precedence order (0 first)."""
        return self.precedence.index(rule)

    def requirement(self, rule: str) -> str:
        """Return the id of the requirement a breach of `rule` fails (KeyError if none)."""
        return self.requirements[rule]


@dataclass(frozen=True)
class AgeBandMapping:
    """Which bands of the set `to_set` hold the ages of each band of `from_set`."""

    from_set: str
    to_set: str
    bands: Mapping[str, tuple[str, ...]]


# --- loading (called by accredit.specs) -------------------------------------------------------


def source_from(raw: Any) -> Source:
    """Return the Source a schema-valid `prepopulate` item describes."""
    if isinstance(raw, str):
        return Source(raw)
    if CHILD_RECORD in raw:
        return Source(CHILD_RECORD, field=raw[CHILD_RECORD])
    earlier = raw[EARLIER_FORM]
    return Source(EARLIER_FORM, kind=earlier["kind"], question=earlier["question"])


def band_mapping_from(
    path: Path,
    raw: Mapping[str, Any] | None,
    bands: tuple[str, ...],
    asked: Mapping[str, frozenset[str]],
) -> BandMapping:
    """Return the form's band mapping; every band and question it names must exist.

    `asked` maps each band to the questions asked in it. A form without a table carries only
    within one band.
    """
    if raw is None:
        return BandMapping(same_id=False, pairs=())
    pairs = []
    every_question = frozenset().union(*asked.values()) if asked else frozenset()
    for i, pair in enumerate(raw.get("pairs", [])):
        where = f"band_mapping.pairs[{i}]"
        for side in ("from", "to"):
            for j, band in enumerate(pair[side]):
                _known(path, f"{where}.{side}[{j}]", band, bands)
        for source, target in pair.get("map", {}).items():
            for band in pair["from"]:
                if source not in asked[band]:
                    raise SpecError(path, f"{where}.map.{source}", f"not asked in band {band}")
            for band in pair["to"]:
                if target not in asked[band]:
                    raise SpecError(path, f"{where}.map.{source}", f"{target} not asked in {band}")
        for j, question in enumerate(pair.get("not_carried", [])):
            _known(path, f"{where}.not_carried[{j}]", question, sorted(every_question))
        pairs.append(
            BandPair(
                tuple(pair["from"]),
                tuple(pair["to"]),
                dict(pair.get("map", {})),
                tuple(pair.get("not_carried", [])),
            )
        )
    return BandMapping(bool(raw["same_id"]), tuple(pairs))


def prepopulation_rules_from(
    path: Path, doc: Mapping[str, Any], requirements: Mapping[str, str]
) -> PrepopulationRules:
    """Return the rules of a schema-valid specs/prepopulation.yaml; every source is ranked and
    every rule names a requirement of the catalogue's prepopulation category.

    `requirements` maps each requirement id of the catalogue to its category.
    """
    precedence = tuple(doc["precedence"])
    missing = [rule for rule in RULES if rule not in precedence]
    if missing:
        raise SpecError(path, "precedence", f"{', '.join(missing)} not ranked")
    for rule, requirement_id in doc["requirements"].items():
        where = f"requirements.{rule}"
        _known(path, where, requirement_id, sorted(requirements))
        if requirements[requirement_id] != "prepopulation":
            raise SpecError(path, where, f"{requirement_id} is not a prepopulation requirement")
    return PrepopulationRules(doc["version"], precedence, dict(doc["requirements"]))


def age_band_mappings_from(
    path: Path, raw: Iterable[Mapping[str, Any]], years: Mapping[str, Mapping[str, tuple[int, int]]]
) -> tuple[AgeBandMapping, ...]:
    """Return the mappings between band sets; each must list exactly the bands of the other
    set whose years overlap.

    `years` maps each set to its bands' (first, last) year; an open band ends at 200.
    """
    mappings = []
    for i, mapping in enumerate(raw):
        where = f"mappings[{i}]"
        _known(path, f"{where}.from", mapping["from"], sorted(years))
        _known(path, f"{where}.to", mapping["to"], sorted(years))
        source, target = years[mapping["from"]], years[mapping["to"]]
        for band in source:
            if band not in mapping["bands"]:
                raise SpecError(path, f"{where}.bands", f"band {band!r} is not mapped")
        bands: dict[str, tuple[str, ...]] = {}
        for band, targets in mapping["bands"].items():
            _known(path, f"{where}.bands", band, list(source))
            for j, other in enumerate(targets):
                _known(path, f"{where}.bands.{band}[{j}]", other, list(target))
            low, high = source[band]
            overlapping = [b for b, (lo, hi) in target.items() if lo <= high and low <= hi]
            if sorted(targets) != sorted(overlapping):
                raise SpecError(
                    path,
                    f"{where}.bands.{band}",
                    f"the ages of {band} fall in {', '.join(overlapping) or 'no band'}",
                )
            bands[band] = tuple(targets)
        mappings.append(AgeBandMapping(mapping["from"], mapping["to"], bands))
    return tuple(mappings)


def _known(path: Path, where: str, value: str, valid: Iterable[str]) -> None:
    options = list(valid)
    if value not in options:
        close = difflib.get_close_matches(value, options, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SpecError(path, where, f"{value!r} is not one of {', '.join(options)}{hint}")
