"""A seeded, deterministic caseload of synthetic children, families, forms and case notes.

The same seed and scale always give the same caseload, record for record, so a load run can be
repeated on another day or another product. Records are generated as streams, so a county's
million case notes never sit in memory at once. Every name is invented and combined at random.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from accredit.specs import FormDefinition, SpecBundle

__all__ = [
    "SCALES",
    "Caseload",
    "ChildRecord",
    "FormRecord",
    "NoteRecord",
    "Scale",
    "caseload_digest",
]


@dataclass(frozen=True)
class Scale:
    name: str
    children: int
    notes_per_child: int
    sibling_share: float  # share of children who have declared siblings


SCALES = {
    # suite: what an accreditation run seeds through the contract in a few seconds.
    "suite": Scale("suite", children=40, notes_per_child=10, sibling_share=0.4),
    "small": Scale("small", children=200, notes_per_child=10, sibling_share=0.4),
    # district: a tenth of a county's notes, to show search does not grow with them.
    "district": Scale("district", children=5_000, notes_per_child=20, sibling_share=0.4),
    "county": Scale("county", children=50_000, notes_per_child=20, sibling_share=0.4),
}

GIVEN_NAMES = [
    "Ada",
    "Alys",
    "Arlo",
    "Bea",
    "Bryn",
    "Cai",
    "Cerys",
    "Dara",
    "Dilys",
    "Eben",
    "Efa",
    "Elis",
    "Ffion",
    "Fenn",
    "Gethin",
    "Gwen",
    "Hal",
    "Huw",
    "Idris",
    "Ifan",
    "Isla",
    "Jory",
    "Kit",
    "Lewys",
    "Lowri",
    "Mabli",
    "Macsen",
    "Mali",
    "Nia",
    "Nye",
    "Orla",
    "Osian",
    "Pip",
    "Rhodri",
    "Rhys",
    "Seren",
    "Sion",
    "Tali",
    "Tam",
    "Teifi",
    "Tomos",
    "Wren",
    "Yestin",
    "Zia",
]
FAMILY_NAMES = [
    "Ashdown",
    "Brackwell",
    "Calderby",
    "Cranmere",
    "Dunmere",
    "Eastholt",
    "Elderwick",
    "Fernhollow",
    "Glenmoor",
    "Gorsley",
    "Harrowgate",
    "Hazelby",
    "Ivybridge",
    "Kestrelby",
    "Larkmoor",
    "Lindwell",
    "Millbeck",
    "Moorcroft",
    "Northwold",
    "Oakhurst",
    "Pellow",
    "Quarrend",
    "Redlynch",
    "Rowanby",
    "Saltmarsh",
    "Stonecross",
    "Thornbury",
    "Underhill",
    "Wexcombe",
    "Whitlow",
    "Yarrowby",
]

# Phrase banks for case notes: how workers write, with nothing of any real case.
_OPENINGS = (
    "Home visit.", "Unannounced home visit.", "Telephone call with mum.", "School visit.",
    "Supervision discussion.", "Visit to grandparents' home.", "Core group meeting.",
    "Call from the health visitor.", "Office visit with dad.", "Contact session observed.",
)  # fmt: skip
_OBSERVATIONS = (
    "{name} was seen alone in their bedroom and showed me their drawings.",
    "{name} said school is going better and they have a new friend called {friend}.",
    "The kitchen was clean but there was little food in the fridge.",
    "Mum appeared tired; she said the baby is not sleeping through the night.",
    "{name} was quiet at first and then talked about the dog.",
    "Dad was not at home; mum said he is working nights this month.",
    "The school reports attendance of {attendance}% this half term.",
    "{name} has a bruise on the left forearm; explained as a fall in the park, consistent.",
    "The housing officer has confirmed the repair to the damp in the back bedroom.",
    "{name} said they do not like it when the adults shout.",
)
_ACTIONS = (
    "Agreed the school nurse will see {name} next week.",
    "Referral to the family support worker to be made by Friday.",
    "Mum agreed to attend the parenting group on Tuesdays.",
    "Next visit booked for {next_visit}.",
    "Discussed with the team manager; no change to the plan.",
    "To chase the GP for the health assessment.",
)


@dataclass(frozen=True)
class ChildRecord:
    number: int  # 1-based position in the caseload; the store assigns its own ids
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    team: str
    family: int  # children of one family share this number


@dataclass(frozen=True)
class FormRecord:
    child: int  # ChildRecord.number
    kind: str
    age_band: str
    status: str
    started_on: date
    answers: dict[str, Any]


@dataclass(frozen=True)
class NoteRecord:
    child: int
    text: str
    occurred_on: date


class Caseload:
    """The caseload of `scale` for `seed`, as of `today`, generated on demand."""

    def __init__(self, specs: SpecBundle, scale: Scale, seed: int, today: date) -> None:
        self.specs = specs
        self.scale = scale
        self.seed = seed
        self.today = today
        self.teams = specs.users.teams

    def _random(self, stream: str, number: int = 0) -> random.Random:
        return random.Random(f"{self.seed}:{self.scale.name}:{stream}:{number}")

    def children(self) -> Iterator[ChildRecord]:
        """Yield the children, families together: siblings share a family name and team."""
        rng = self._random("children")
        number, family = 0, 0
        while number < self.scale.children:
            family += 1
            size = rng.choice((2, 2, 3, 4)) if rng.random() < self.scale.sibling_share else 1
            family_name, team = rng.choice(FAMILY_NAMES), rng.choice(self.teams)
            for _ in range(min(size, self.scale.children - number)):
                number += 1
                born = self.today - timedelta(days=rng.randrange(30, 17 * 365))
                yield ChildRecord(
                    number=number,
                    given_name=rng.choice(GIVEN_NAMES),
                    family_name=family_name,
                    date_of_birth=born,
                    sex=rng.choice(("female", "male")),
                    team=team,
                    family=family,
                )

    def families(self) -> Iterator[list[int]]:
        """Yield each family of two or more children as their numbers: a declared sibling group."""
        members: list[int] = []
        current = 0
        for child in self.children():
            if child.family != current:
                if len(members) > 1:
                    yield members
                members, current = [], child.family
            members.append(child.number)
        if len(members) > 1:
            yield members

    def forms(self) -> Iterator[FormRecord]:
        """Yield each child's forms: an initial assessment, and a core assessment where the
        specs define one for the child's age band, in every lifecycle state."""
        for child in self.children():
            rng = self._random("forms", child.number)
            for kind, definition in sorted(self.specs.forms.items()):
                started = self.today - timedelta(days=rng.randrange(1, 700))
                band = self._band(definition, child.date_of_birth, started)
                if band is None or child.date_of_birth > started:
                    continue
                status = rng.choices(("approved", "submitted", "draft"), (7, 1, 2))[0]
                yield FormRecord(
                    child=child.number,
                    kind=kind,
                    age_band=band,
                    status=status,
                    started_on=started,
                    answers=self._answers(definition, band, child, rng),
                )

    def notes(self) -> Iterator[NoteRecord]:
        """Yield each child's case notes, oldest first."""
        for child in self.children():
            rng = self._random("notes", child.number)
            day = max(child.date_of_birth, self.today - timedelta(days=1000))
            for _ in range(self.scale.notes_per_child):
                day = min(self.today, day + timedelta(days=rng.randrange(1, 45)))
                yield NoteRecord(child.number, self._note(child, rng, day), day)

    def _band(self, definition: FormDefinition, born: date, on: date) -> str | None:
        if definition.age_band_set is None:
            return definition.bands[0]
        band = self.specs.age_band_sets[definition.age_band_set].band_for(born, on)
        return band.id if band is not None and band.id in definition.bands else None

    def _answers(self, definition: FormDefinition, band: str, child: ChildRecord,
                 rng: random.Random) -> dict[str, Any]:  # fmt: skip
        answers: dict[str, Any] = {}
        for question in definition.asked(band):
            if question.id not in definition.mandatory(band) and rng.random() < 0.5:
                continue
            if question.type == "date":
                answers[question.id] = (
                    self.today - timedelta(days=rng.randrange(1, 700))
                ).isoformat()
            elif question.type == "yes_no":
                answers[question.id] = rng.random() < 0.8
            elif question.type == "choice":
                answers[question.id] = rng.choice(question.options or ("",))
            else:
                answers[question.id] = self._note(child, rng, self.today)
        return answers

    def _note(self, child: ChildRecord, rng: random.Random, day: date) -> str:
        values = {
            "name": child.given_name,
            "friend": rng.choice(GIVEN_NAMES),
            "attendance": rng.randrange(70, 100),
            "next_visit": f"{(v := day + timedelta(days=rng.randrange(5, 20))):%A} {v.day} {v:%B}",
        }
        parts = [rng.choice(_OPENINGS)]
        parts += [o.format(**values) for o in rng.sample(_OBSERVATIONS, rng.randrange(2, 5))]
        parts.append(rng.choice(_ACTIONS).format(**values))
        return " ".join(parts)


def caseload_digest(caseload: Caseload) -> str:
    """Return a sha256 over every record, in order: equal digests mean equal caseloads."""
    digest = hashlib.sha256()
    for stream in (caseload.children(), caseload.families(), caseload.forms(), caseload.notes()):
        for record in stream:
            digest.update(repr(record).encode("utf-8"))
    return digest.hexdigest()
