"""Load and validate the executable specifications in `specs/`.

Every spec file kind has a JSON Schema in `specs/schema/`; a file is checked against it on load
and then cross-checked (ids unique, references resolve). The first problem found stops the load
with a `SpecError` naming the file, the path inside it and the problem, in one line.

The suites, the reference implementation and the reports all read the specs through this module,
so each rule has one source of truth.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

import jsonschema
import yaml

from accredit._paths import specs_root
from accredit.errors import SpecError
from accredit.prepopulation_spec import (
    CHILD_RECORD,
    EARLIER_FORM,
    FAMILY_LEVEL,
    SIBLING,
    AgeBandMapping,
    BandMapping,
    PrepopulationRules,
    Source,
    age_band_mappings_from,
    band_mapping_from,
    prepopulation_rules_from,
    source_from,
)

__all__ = [
    "NO_AGE_BAND",
    "AddendaRules",
    "AgeBand",
    "AgeBandMapping",
    "AgeBandSet",
    "AuditRules",
    "BandMapping",
    "Catalogue",
    "Category",
    "CreationRoute",
    "ForbiddenAuditRoute",
    "FormDefinition",
    "Lifecycle",
    "Lockdown",
    "MutationRoute",
    "PrepopulationRules",
    "Question",
    "RequiredUser",
    "Requirement",
    "Role",
    "Section",
    "Source",
    "SpecBundle",
    "State",
    "Transition",
    "Users",
    "Verification",
    "age_in_years",
    "did_you_mean",
    "first_schema_problem",
    "json_path",
    "load_specs",
    "read_schema",
    "schema_problem",
    "validate_document",
]

#: The band of a form that is not age-banded (an Initial Assessment is the same at every age).
NO_AGE_BAND = "all"


# --- models -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    id: str
    title: str


@dataclass(frozen=True)
class Verification:
    suite: str
    method: str
    faults: tuple[str, ...]


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    statement: str
    level: str
    category: str
    weight: float
    rationale: str
    verification: Verification


@dataclass(frozen=True)
class Catalogue:
    version: str
    categories: tuple[Category, ...]
    requirements: tuple[Requirement, ...]

    def requirement(self, requirement_id: str) -> Requirement:
        """Return the requirement with this id (KeyError if the catalogue has none)."""
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        raise KeyError(requirement_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.requirements)

    def faults(self) -> dict[str, tuple[str, ...]]:
        """Return each planted fault named in the catalogue with the requirements it must fail."""
        catches: dict[str, list[str]] = {}
        for requirement in self.requirements:
            for fault in requirement.verification.faults:
                catches.setdefault(fault, []).append(requirement.id)
        return {fault: tuple(ids) for fault, ids in sorted(catches.items())}


@dataclass(frozen=True)
class AgeBand:
    id: str
    from_years: int
    to_years: int | None

    def contains(self, years: int) -> bool:
        """Return whether a child of this many completed years falls in the band."""
        return self.from_years <= years and (self.to_years is None or years <= self.to_years)


@dataclass(frozen=True)
class AgeBandSet:
    id: str
    title: str
    bands: tuple[AgeBand, ...]

    def band_for(self, date_of_birth: date, on: date) -> AgeBand | None:
        """Return the band of a child born on `date_of_birth` on the day `on`, if any."""
        years = age_in_years(date_of_birth, on)
        return next((band for band in self.bands if band.contains(years)), None)


def age_in_years(date_of_birth: date, on: date) -> int:
    """Return completed years of age on `on`: a year is completed on the birthday itself."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - int(before_birthday)


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    text: str
    type: str
    options: tuple[str, ...] | None
    status: Mapping[str, str]  # band id -> mandatory | optional | not_asked
    prepopulate: tuple[Source, ...] = ()  # where a new form's answer may be copied from


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]
    level: str = "child"  # child | family: whose the answers are


@dataclass(frozen=True)
class FormDefinition:
    kind: str
    title: str
    version: int
    age_band_set: str | None
    bands: tuple[str, ...]
    sections: tuple[Section, ...]
    band_mapping: BandMapping = field(default_factory=lambda: BandMapping(False, ()))

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for section in self.sections for q in section.questions)

    def question(self, question_id: str) -> Question:
        """Return the question with this id (KeyError if the form has none)."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def asked_ids(self, band: str) -> frozenset[str]:
        """Return the ids of the questions asked in an age band."""
        return frozenset(q.id for q in self.asked(band))

    def asked(self, band: str) -> tuple[Question, ...]:
        """Return the questions asked in an age band, in form order."""
        return tuple(q for q in self.questions if q.status.get(band, "not_asked") != "not_asked")

    def mandatory(self, band: str) -> tuple[str, ...]:
        """Return the ids of the questions mandatory in an age band, in form order."""
        return tuple(q.id for q in self.questions if q.status.get(band) == "mandatory")

    def optional(self, band: str) -> tuple[str, ...]:
        """Return the ids of the questions optional in an age band, in form order."""
        return tuple(q.id for q in self.questions if q.status.get(band) == "optional")

    def to_document(self) -> dict[str, Any]:
        """Return the definition as the conformance API publishes it (GET /form-definitions)."""
        return {
            "kind": self.kind,
            "title": self.title,
            "version": self.version,
            "age_band_set": self.age_band_set,
            "bands": list(self.bands),
            "sections": [
                {
                    "id": s.id,
                    "title": s.title,
                    "questions": [
                        {
                            "id": q.id,
                            "text": q.text,
                            "type": q.type,
                            "options": list(q.options) if q.options is not None else None,
                            "status": dict(q.status),
                        }
                        for q in s.questions
                    ],
                }
                for s in self.sections
            ],
        }


@dataclass(frozen=True)
class State:
    id: str
    editable: bool
    locked: bool
    evidence: bool = False  # attachments and links may change


@dataclass(frozen=True)
class Transition:
    action: str
    from_state: str
    to_state: str
    roles: tuple[str, ...]
    author: str  # required | excluded | any
    reason_required: bool
    checks: tuple[str, ...]


@dataclass(frozen=True)
class Lifecycle:
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]

    def state(self, state_id: str) -> State:
        """Return the state with this id (KeyError if the lifecycle has none)."""
        for state in self.states:
            if state.id == state_id:
                return state
        raise KeyError(state_id)

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.action for t in self.transitions))

    def transition(self, action: str, from_state: str) -> Transition | None:
        """Return the transition `action` from `from_state`, or None if there is none."""
        return next(
            (t for t in self.transitions if t.action == action and t.from_state == from_state),
            None,
        )


@dataclass(frozen=True)
class Role:
    id: str
    title: str
    permissions: frozenset[str]


@dataclass(frozen=True)
class RequiredUser:
    key: str
    role: str
    team: str | None
    title: str


@dataclass(frozen=True)
class Users:
    teams: tuple[str, ...]
    roles: Mapping[str, Role]
    required_users: tuple[RequiredUser, ...]

    def user(self, key: str) -> RequiredUser:
        """Return the required user with this key (KeyError if there is none)."""
        for user in self.required_users:
            if user.key == key:
                return user
        raise KeyError(key)


@dataclass(frozen=True)
class MutationRoute:
    """A route that changes a form: refused on a locked form (lockdown.yaml)."""

    id: str
    requirement: str
    title: str
    method: str
    path: str
    for_each_action: bool
    attempts: tuple[Mapping[str, Any] | None, ...]


@dataclass(frozen=True)
class CreationRoute:
    """A route that makes a new form, named in the audit trail by its id."""

    id: str
    method: str
    path: str


@dataclass(frozen=True)
class AddendaRules:
    create: str  # the creation route id
    list_path: str
    minimum_answers: int


@dataclass(frozen=True)
class ForbiddenAuditRoute:
    method: str
    path: str
    body: Mapping[str, Any] | None


@dataclass(frozen=True)
class AuditRules:
    path: str
    allowed: str
    refused: str
    forbidden: tuple[ForbiddenAuditRoute, ...]


@dataclass(frozen=True)
class Lockdown:
    """What nobody may do to a locked form, how it is refused, addenda and the audit trail."""

    refusal_status: int
    refusal_code: str
    mutation_routes: tuple[MutationRoute, ...]
    creation_routes: tuple[CreationRoute, ...]
    addenda: AddendaRules
    audit: AuditRules

    def route(self, route_id: str) -> MutationRoute:
        """Return the mutation route with this id (KeyError if there is none)."""
        for route in self.mutation_routes:
            if route.id == route_id:
                return route
        raise KeyError(route_id)

    def creation(self, route_id: str) -> CreationRoute:
        """Return the creation route with this id (KeyError if there is none)."""
        for route in self.creation_routes:
            if route.id == route_id:
                return route
        raise KeyError(route_id)


@dataclass(frozen=True)
class SpecBundle:
    root: Path
    version: str
    digest: str
    catalogue: Catalogue
    forms: Mapping[str, FormDefinition]
    age_band_sets: Mapping[str, AgeBandSet]
    lifecycle: Lifecycle
    users: Users
    lockdown: Lockdown
    prepopulation: PrepopulationRules
    age_band_mappings: tuple[AgeBandMapping, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)  # relative path -> sha256


# --- loading ----------------------------------------------------------------------------------


def load_specs(root: Path | None = None) -> SpecBundle:
    """Return the validated spec bundle under `root` (default: the installed or checked-out specs).

    Raises SpecError naming file, path and problem for the first problem found.
    """
    root = Path(root).resolve() if root else specs_root().resolve()
    if not root.is_dir():
        raise SpecError(root, "", "no such specs folder")
    catalogue = _catalogue(root / "catalogue.yaml")
    users = _users(root / "users.yaml")
    lifecycle = _lifecycle(root / "lifecycle.yaml", users)
    lockdown = _lockdown(root / "lockdown.yaml", catalogue)
    band_sets, band_mappings = _age_band_sets(root / "age_bands.yaml")
    forms: dict[str, FormDefinition] = {}
    form_paths: dict[str, Path] = {}
    for path in sorted((root / "forms").glob("*.yaml")):
        form = _form(path, band_sets)
        if form.kind in forms:
            raise SpecError(path, "kind", f"form kind {form.kind!r} is defined twice")
        forms[form.kind] = form
        form_paths[form.kind] = path
    for kind, form in forms.items():
        _check_earlier_forms(form_paths[kind], form, forms)
    prepopulation_path = root / "prepopulation.yaml"
    prepopulation = prepopulation_rules_from(
        prepopulation_path,
        _read_yaml(prepopulation_path, "prepopulation"),
        {r.id: r.category for r in catalogue.requirements},
    )
    files = _file_digests(root)
    return SpecBundle(
        root=root,
        version=catalogue.version,
        digest=_bundle_digest(files),
        catalogue=catalogue,
        forms=forms,
        age_band_sets=band_sets,
        lifecycle=lifecycle,
        users=users,
        lockdown=lockdown,
        prepopulation=prepopulation,
        age_band_mappings=band_mappings,
        files=files,
    )


def read_schema(name: str, root: Path | None = None) -> dict[str, Any]:
    """Return the JSON Schema `specs/schema/<name>.schema.json`."""
    path = (root or specs_root()) / "schema" / f"{name}.schema.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def validate_document(document: Any, schema_name: str, file: Path | str) -> None:
    """Check a loaded document against its schema; raise SpecError for the first problem."""
    schema = read_schema(schema_name)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document), key=_error_rank)
    if errors:
        error = errors[0]
        raise SpecError(file, json_path(error.absolute_path), schema_problem(error))


#: The safe loader, in C where libyaml is there: every run reads the specs in three processes.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path, schema_name: str) -> dict[str, Any]:
    if not path.is_file():
        raise SpecError(path, "", "file not found")
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(path, "", f"not valid YAML: {where}{problem}") from None
    except UnicodeDecodeError:
        raise SpecError(path, "", "not UTF-8 text") from None
    if not isinstance(document, dict):
        raise SpecError(path, "", "expected a mapping at the top of the file")
    validate_document(document, schema_name, path)
    return document


def _catalogue(path: Path) -> Catalogue:
    doc = _read_yaml(path, "catalogue")
    categories = tuple(Category(c["id"], c["title"]) for c in doc["categories"])
    category_ids = [c.id for c in categories]
    _unique(path, "categories", category_ids)
    requirements = []
    for i, r in enumerate(doc["requirements"]):
        _known(path, f"requirements[{i}].category", r["category"], category_ids)
        v = r["verification"]
        requirements.append(
            Requirement(
                id=r["id"],
                title=r["title"].strip(),
                statement=" ".join(r["statement"].split()),
                level=r["level"],
                category=r["category"],
                weight=float(r["weight"]),
                rationale=" ".join(r["rationale"].split()),
                verification=Verification(v["suite"], v["method"], tuple(v["faults"])),
            )
        )
    _unique(path, "requirements", [r.id for r in requirements])
    return Catalogue(doc["version"], categories, tuple(requirements))


def _users(path: Path) -> Users:
    doc = _read_yaml(path, "users")
    teams = tuple(t["id"] for t in doc["teams"])
    roles = {
        role_id: Role(role_id, r["title"], frozenset(r["permissions"]))
        for role_id, r in doc["roles"].items()
    }
    required = []
    for i, u in enumerate(doc["required_users"]):
        _known(path, f"required_users[{i}].role", u["role"], list(roles))
        if "team" in u:
            _known(path, f"required_users[{i}].team", u["team"], list(teams))
        required.append(RequiredUser(u["key"], u["role"], u.get("team"), u["title"]))
    _unique(path, "required_users", [u.key for u in required])
    return Users(teams, roles, tuple(required))


def _lifecycle(path: Path, users: Users) -> Lifecycle:
    doc = _read_yaml(path, "lifecycle")
    states = tuple(
        State(
            s["id"],
            bool(s.get("editable", False)),
            bool(s.get("locked", False)),
            bool(s.get("evidence", False)),
        )
        for s in doc["states"]
    )
    for i, state in enumerate(states):
        if state.locked and (state.editable or state.evidence):
            raise SpecError(path, f"states[{i}]", f"{state.id!r} is locked: nothing in it changes")
    state_ids = [s.id for s in states]
    _unique(path, "states", state_ids)
    _known(path, "initial", doc["initial"], state_ids)
    transitions = []
    for i, t in enumerate(doc["transitions"]):
        _known(path, f"transitions[{i}].from", t["from"], state_ids)
        _known(path, f"transitions[{i}].to", t["to"], state_ids)
        for j, role in enumerate(t["roles"]):
            _known(path, f"transitions[{i}].roles[{j}]", role, list(users.roles))
        transitions.append(
            Transition(
                action=t["action"],
                from_state=t["from"],
                to_state=t["to"],
                roles=tuple(t["roles"]),
                author=t["author"],
                reason_required=bool(t.get("reason_required", False)),
                checks=tuple(t.get("checks", ())),
            )
        )
    for i, t in enumerate(transitions):
        if any(s.locked for s in states if s.id == t.from_state):
            raise SpecError(
                path, f"transitions[{i}].from", f"{t.from_state!r} is locked: nothing leaves it"
            )
    return Lifecycle(doc["initial"], states, tuple(transitions))


def _lockdown(path: Path, catalogue: Catalogue) -> Lockdown:
    doc = _read_yaml(path, "lockdown")
    requirements = {r.id: r for r in catalogue.requirements}
    routes = []
    for i, r in enumerate(doc["mutation_routes"]):
        _known(path, f"mutation_routes[{i}].requirement", r["requirement"], list(requirements))
        if requirements[r["requirement"]].category != "lockdown":
            raise SpecError(
                path,
                f"mutation_routes[{i}].requirement",
                f"{r['requirement']} is not a lockdown requirement",
            )
        for_each_action = bool(r.get("for_each_action", False))
        if for_each_action != ("{action}" in r["path"]):
            raise SpecError(
                path, f"mutation_routes[{i}].path", "{action} belongs in a for_each_action path"
            )
        routes.append(
            MutationRoute(
                id=r["id"],
                requirement=r["requirement"],
                title=r["title"],
                method=r["method"],
                path=r["path"],
                for_each_action=for_each_action,
                attempts=tuple(r.get("attempts", [None])),
            )
        )
    creations = tuple(
        CreationRoute(c["id"], c["method"], c["path"]) for c in doc["creation_routes"]
    )
    _unique(path, "mutation_routes", [r.id for r in routes] + [c.id for c in creations])
    addenda = doc["addenda"]
    _known(path, "addenda.create", addenda["create"], [c.id for c in creations])
    audit = doc["audit"]
    return Lockdown(
        refusal_status=doc["refusal"]["status"],
        refusal_code=doc["refusal"]["code"],
        mutation_routes=tuple(routes),
        creation_routes=creations,
        addenda=AddendaRules(addenda["create"], addenda["list"], addenda["minimum_answers"]),
        audit=AuditRules(
            path=audit["path"],
            allowed=audit["outcomes"]["allowed"],
            refused=audit["outcomes"]["refused"],
            forbidden=tuple(
                ForbiddenAuditRoute(f["method"], f["path"], f.get("body"))
                for f in audit["forbidden"]
            ),
        ),
    )


def _age_band_sets(path: Path) -> tuple[dict[str, AgeBandSet], tuple[AgeBandMapping, ...]]:
    doc = _read_yaml(path, "age_bands")
    sets: dict[str, AgeBandSet] = {}
    for i, s in enumerate(doc["sets"]):
        bands = tuple(AgeBand(b["id"], b["from_years"], b.get("to_years")) for b in s["bands"])
        _unique(path, f"sets[{i}].bands", [b.id for b in bands])
        # A set may start above 0 (records for children of one and over), never with a gap.
        expected_start = bands[0].from_years
        for j, band in enumerate(bands):
            where = f"sets[{i}].bands[{j}]"
            if band.from_years != expected_start:
                raise SpecError(
                    path,
                    f"{where}.from_years",
                    f"expected {expected_start}: bands must not overlap or leave a gap",
                )
            if band.to_years is None:
                if j != len(bands) - 1:
                    raise SpecError(path, f"{where}.to_years", "only the last band is open-ended")
                break
            if band.to_years < band.from_years:
                raise SpecError(path, f"{where}.to_years", "ends before it starts")
            expected_start = band.to_years + 1
        if s["id"] in sets:
            raise SpecError(path, f"sets[{i}].id", f"{s['id']!r} is defined twice")
        sets[s["id"]] = AgeBandSet(s["id"], s["title"], bands)
    years = {
        set_id: {
            b.id: (b.from_years, b.to_years if b.to_years is not None else 200) for b in s.bands
        }
        for set_id, s in sets.items()
    }
    return sets, age_band_mappings_from(path, doc.get("mappings", []), years)


def _form(path: Path, band_sets: Mapping[str, AgeBandSet]) -> FormDefinition:
    doc = _read_yaml(path, "form")
    band_set_id = doc.get("age_band_set")
    if band_set_id is None:
        if "bands" in doc:
            raise SpecError(path, "bands", "bands need an age_band_set")
        bands: tuple[str, ...] = (NO_AGE_BAND,)
    else:
        _known(path, "age_band_set", band_set_id, list(band_sets))
        known = [b.id for b in band_sets[band_set_id].bands]
        bands = tuple(doc.get("bands", known))
        for i, band in enumerate(bands):
            _known(path, f"bands[{i}]", band, known)
    sections = []
    seen: list[str] = []
    for i, s in enumerate(doc["sections"]):
        questions = []
        level = s.get("level", "child")
        for j, q in enumerate(s["questions"]):
            where = f"sections[{i}].questions[{j}]"
            status = _status(path, where, q["status"], bands)
            if (q["type"] == "choice") != ("options" in q):
                raise SpecError(path, where, "a choice question, and only one, has options")
            sources = tuple(source_from(raw) for raw in q.get("prepopulate", []))
            if level != FAMILY_LEVEL and any(src.rule == SIBLING for src in sources):
                raise SpecError(
                    path,
                    f"{where}.prepopulate",
                    f"a sibling's answer is copied into family-level questions only; "
                    f"section {s['id']} is {level}-level",
                )
            if any(src.rule == CHILD_RECORD for src in sources) and q["type"] not in (
                "date",
                "text",
            ):
                raise SpecError(
                    path, f"{where}.prepopulate", "a child_record field is text or date"
                )
            seen.append(q["id"])
            questions.append(
                Question(
                    id=q["id"],
                    section=s["id"],
                    text=q["text"],
                    type=q["type"],
                    options=tuple(q["options"]) if "options" in q else None,
                    status=status,
                    prepopulate=sources,
                )
            )
        sections.append(Section(s["id"], s["title"], tuple(questions), level))
    _unique(path, "sections[].questions", seen)
    _unique(path, "sections", [s.id for s in sections])
    asked = {
        band: frozenset(
            q.id for s in sections for q in s.questions if q.status[band] != "not_asked"
        )
        for band in bands
    }
    mapping = band_mapping_from(path, doc.get("band_mapping"), bands, asked)
    return FormDefinition(
        doc["kind"], doc["title"], doc["version"], band_set_id, bands, tuple(sections), mapping
    )


def _check_earlier_forms(
    path: Path, form: FormDefinition, forms: Mapping[str, FormDefinition]
) -> None:
    """An earlier_form source names another kind and one of its questions."""
    for i, question in enumerate(form.questions):
        for source in question.prepopulate:
            if source.rule != EARLIER_FORM:
                continue
            where = f"questions[{i}] ({question.id}).prepopulate"
            other = [k for k in forms if k != form.kind]
            _known(path, where, str(source.kind), other)
            questions = [q.id for q in forms[str(source.kind)].questions]
            _known(path, where, str(source.question), questions)


def _status(path: Path, where: str, status: Any, bands: tuple[str, ...]) -> dict[str, str]:
    if isinstance(status, str):
        return {band: status for band in bands}
    for band in status:
        _known(path, f"{where}.status", band, list(bands))
    missing = [band for band in bands if band not in status]
    if missing:
        raise SpecError(path, f"{where}.status", f"no status for band(s) {', '.join(missing)}")
    return {band: status[band] for band in bands}


def _file_digests(root: Path) -> dict[str, str]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".yaml", ".json"})
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


def _bundle_digest(files: Mapping[str, str]) -> str:
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(files.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


# --- error wording ----------------------------------------------------------------------------


def _unique(path: Path, where: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise SpecError(path, where, f"{item!r} is defined twice")
        seen.add(item)


def _known(path: Path, where: str, value: str, valid: list[str]) -> None:
    if value not in valid:
        raise SpecError(
            path, where, f"{value!r} is not one of {', '.join(valid)}{did_you_mean(value, valid)}"
        )


def did_you_mean(value: Any, valid: Iterable[Any]) -> str:
    """Return " (did you mean X?)" for the closest valid value, or "" if none is close."""
    close = difflib.get_close_matches(str(value), [str(v) for v in valid], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def json_path(parts: Iterable[Any]) -> str:
    """Return a path inside a document as people write it: `sections[1].questions[0]`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def first_schema_problem(validator: jsonschema.Draft202012Validator, document: Any) -> str | None:
    """Return "path: problem" for the most specific way `document` breaks the schema, if any."""
    errors = sorted(validator.iter_errors(document), key=_error_rank)
    if not errors:
        return None
    error = errors[0]
    return f"{json_path(error.absolute_path) or '(top)'}: {schema_problem(error)}"


def _error_rank(error: jsonschema.ValidationError) -> tuple[int, str]:
    # Deepest first: the most specific problem is the most useful one-liner.
    return (-len(error.absolute_path), str(error.message))


_MAX_VALUE_CHARS = 60
_MAX_MESSAGE_CHARS = 200


def schema_problem(error: jsonschema.ValidationError) -> str:
    """Return one line saying what is wrong, with a "did you mean" where a value is close."""
    rule: Any = error.validator_value
    if error.validator == "enum":
        valid = list(cast(list[Any], rule))
        return (
            f"{_short(error.instance)} is not one of {', '.join(map(str, valid))}"
            f"{did_you_mean(error.instance, valid)}"
        )
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(cast(dict[str, Any], error.schema).get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            return f"unknown key {_short(extra[0])}{did_you_mean(extra[0], allowed)}"
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [key for key in rule if key not in error.instance]
        if missing:
            return f"{missing[0]!r} is missing"
    if error.validator == "oneOf" and error.context:
        # The branch that failed on something other than the value's type is the one meant.
        best = sorted(error.context, key=lambda e: (e.validator == "type", _error_rank(e)))[0]
        return schema_problem(best)
    if error.validator == "type":
        names = " or ".join(rule) if isinstance(rule, list) else str(rule)
        return f"expected {names}, got {_json_type(error.instance)} {_short(error.instance)}"
    if error.validator == "pattern":
        return f"{_short(error.instance)} does not match {rule}"
    if error.validator == "const":
        return f"{_short(error.instance)} is not {_short(rule)}"
    message = " ".join(str(error.message).split())
    return message if len(message) <= _MAX_MESSAGE_CHARS else message[:_MAX_MESSAGE_CHARS] + "…"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=True)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 1] + "…"
    return " ".join(text.split())
