"""The Child/Young Person's Plan: objectives and the actions under them, each action owned by a
team or agency (PLN-001, PLN-002, PLN-003).

Routes (ids are plain integers; a plan action's id is unique across every child, so notes and
assessment needs can link to `/plan-actions/{action_id}`):

- `GET /children/{child_id}/plan`: the plan, objectives with their actions, oldest first;
- `POST /children/{child_id}/plan/objectives`: add an objective;
- `POST /children/{child_id}/plan/objectives/{objective_id}/actions`: add an action;
- `GET /children/{child_id}/plan/actions?team=..&status=..&responsible=..&due_from=..&due_to=..
  &sort=due_date,-priority`: the actions, filtered and sorted as specs/plan.yaml says;
- `GET /plan-actions/{action_id}`, `PATCH /plan-actions/{action_id}`: read, update (naming the
  version the update was made on).

The rules are the pure functions of `reference_impl.domain.plan`, read from specs/plan.yaml.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accredit.plan_spec import ANY_OF, PlanSpec, read_plan
from accredit.specs import SpecBundle
from reference_impl import faults
from reference_impl.api.access import Authorised
from reference_impl.api.deps import AppSettings, CurrentUser, DbSession, Now, Specs, get_row
from reference_impl.api.errors import ApiError, error_responses, invalid_request
from reference_impl.api.fields import CalendarDate, Name
from reference_impl.domain.access import Actor
from reference_impl.domain.answers import text_problem
from reference_impl.domain.plan import (
    ActionFacts,
    ActionQuery,
    QueryProblem,
    due_date_problem,
    parse_query,
    select_actions,
    vocabulary_problem,
)
from reference_impl.store.plan import PlanAction, PlanObjective
from reference_impl.store.tables import MAX_ID, Child

__all__ = [
    "ActionCreate",
    "ActionRead",
    "ActionUpdate",
    "ObjectiveCreate",
    "ObjectiveRead",
    "PlanRead",
    "PlanRules",
    "router_for",
]

#: The longest title of an objective or an action.
MAX_TITLE_CHARS = 2_000


def _valid_title(value: str) -> str:
    problem = text_problem(value, MAX_TITLE_CHARS)
    if problem is not None:
        raise ValueError(problem)
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Title = Annotated[
    str, Field(min_length=1, max_length=MAX_TITLE_CHARS), AfterValidator(_valid_title)
]


#: specs/plan.yaml by the digest of the bundle it belongs to: read once, not at every request.
_READ: dict[str, PlanSpec] = {}


def _rules(specs: Specs) -> PlanSpec:
    rules = _READ.get(specs.digest)
    if rules is None:
        rules = _READ[specs.digest] = read_plan(specs)
    return rules


#: specs/plan.yaml, read once per specs folder.
PlanRules = Annotated[PlanSpec, Depends(_rules)]


class ObjectiveCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title


class ActionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    owner: str = Field(description="The team or agency that owns the action (specs/plan.yaml).")
    responsible: Name = Field(description="The person responsible for carrying it out.")
    due_date: CalendarDate
    priority: str = Field(description="One of the priorities of specs/plan.yaml.")
    status: str | None = Field(
        default=None, description="One of the statuses of specs/plan.yaml (default: the first)."
    )


class ActionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(
        ge=1, le=MAX_ID, description="The version of the action the update was made on."
    )
    title: Title | None = None
    responsible: Name | None = None
    due_date: CalendarDate | None = None
    priority: str | None = None
    status: str | None = None


class ActionRead(BaseModel):
    id: int
    child_id: int
    objective_id: int
    title: str
    owner: str
    responsible: str
    due_date: date
    priority: str
    status: str
    version: int = Field(description="Rises by one at every accepted update.")
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class ObjectiveRead(BaseModel):
    id: int
    child_id: int
    title: str
    created_by: str
    created_at: datetime
    actions: list[ActionRead] = Field(description="The objective's actions, oldest first.")


class PlanRead(BaseModel):
    child_id: int
    objectives: list[ObjectiveRead] = Field(description="Oldest first.")


def action_read(action: PlanAction) -> ActionRead:
    """Return the action as the API shows it."""
    return ActionRead(
        id=action.id,
        child_id=action.child_id,
        objective_id=action.objective_id,
        title=action.title,
        owner=action.owner,
        responsible=action.responsible,
        due_date=action.due_date,
        priority=action.priority,
        status=action.status,
        version=action.version,
        created_by=action.created_by,
        created_at=action.created_at,
        updated_by=action.updated_by,
        updated_at=action.updated_at,
    )


def _objective_read(objective: PlanObjective, actions: list[PlanAction]) -> ObjectiveRead:
    return ObjectiveRead(
        id=objective.id,
        child_id=objective.child_id,
        title=objective.title,
        created_by=objective.created_by,
        created_at=objective.created_at,
        actions=[action_read(a) for a in actions if a.objective_id == objective.id],
    )


def _facts(action: PlanAction) -> ActionFacts:
    return ActionFacts(
        id=action.id,
        owner=action.owner,
        status=action.status,
        priority=action.priority,
        responsible=action.responsible,
        due_date=action.due_date,
        updated_at=action.updated_at,
    )


def _check_values(rules: PlanSpec, values: dict[str, Any]) -> None:
    """Refuse with 422 naming the first field outside the spec's vocabularies or range."""
    for name in ("owner", "priority", "status"):
        value = values.get(name)
        if value is not None:
            problem = vocabulary_problem(rules, name, value)
            if problem is not None:
                raise invalid_request(f"body.{name}", problem)
    due = values.get("due_date")
    if isinstance(due, date):
        problem = due_date_problem(rules, due)
        if problem is not None:
            raise invalid_request("body.due_date", problem)


def _version_conflict(current: int, given: int) -> ApiError:
    return ApiError(
        409,
        "version_conflict",
        f"the action changed meanwhile: version {given} was sent but the current version is "
        f"{current}; read it again and redo the change",
    )


def read_plan_of(child_id: int, gate: Authorised, session: DbSession) -> PlanRead:
    """Return the child's plan: every objective with its actions."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    objectives = session.scalars(
        select(PlanObjective).where(PlanObjective.child_id == child_id).order_by(PlanObjective.id)
    )
    actions = list(
        session.scalars(
            select(PlanAction).where(PlanAction.child_id == child_id).order_by(PlanAction.id)
        )
    )
    return PlanRead(child_id=child_id, objectives=[_objective_read(o, actions) for o in objectives])


def create_objective(
    child_id: int,
    body: ObjectiveCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    now: Now,
) -> ObjectiveRead:
    """Add an objective to the child's plan; return it."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    objective = PlanObjective(
        child_id=child_id, title=body.title, created_by=user.key, created_at=now
    )
    session.add(objective)
    session.commit()
    return _objective_read(objective, [])


def create_action(
    child_id: int,
    objective_id: int,
    body: ActionCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    rules: PlanRules,
    now: Now,
) -> ActionRead:
    """Add an action under an objective of the child's plan, owned by the user's own team or
    agency; return it."""
    child = get_row(session, Child, child_id, "child")
    gate.check_reach(child, what=f"child {child_id}")
    objective = get_row(session, PlanObjective, objective_id, "plan objective")
    if objective.child_id != child_id:
        raise ApiError(
            404, "not_found", f"plan objective {objective_id} not found in child {child_id}'s plan"
        )
    values = body.model_dump()
    _check_values(rules, values)
    gate.check(child, owner=body.owner, what="the new action")
    action = PlanAction(
        child_id=child_id,
        objective_id=objective_id,
        title=body.title,
        owner=body.owner,
        responsible=body.responsible,
        due_date=body.due_date,
        priority=body.priority,
        status=body.status if body.status is not None else rules.statuses[0],
        version=1,
        created_by=user.key,
        created_at=now,
        updated_by=user.key,
        updated_at=now,
    )
    session.add(action)
    session.commit()
    return action_read(action)


def list_actions(
    child_id: int,
    request: Request,
    gate: Authorised,
    session: DbSession,
    rules: PlanRules,
    settings: AppSettings,
) -> list[ActionRead]:
    """Return the child's actions that pass the filters, in the order asked for."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    query = parse_query(rules, request.query_params.multi_items())
    if isinstance(query, QueryProblem):
        raise invalid_request(query.parameter, query.problem)
    if settings.fault("plan-filter-ignores-team"):
        teams = [p for p, f in rules.filters.items() if f.field == "owner"]
        query = ActionQuery({p: v for p, v in query.filters.items() if p not in teams}, query.sort)
    rows = {
        a.id: a for a in session.scalars(select(PlanAction).where(PlanAction.child_id == child_id))
    }
    facts = [_facts(a) for a in rows.values()]
    if settings.fault("plan-sort-unstable"):
        chosen = faults.ties_by_last_update(rules, facts, query)
    else:
        chosen = select_actions(rules, facts, query)
    return [action_read(rows[a.id]) for a in chosen]


def get_action(action_id: int, gate: Authorised, session: DbSession) -> ActionRead:
    """Return one plan action."""
    action = get_row(session, PlanAction, action_id, "plan action")
    gate.check(session.get_one(Child, action.child_id), what=f"plan action {action_id}")
    return action_read(action)


def update_action(
    action_id: int,
    body: ActionUpdate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    rules: PlanRules,
    settings: AppSettings,
    now: Now,
) -> ActionRead:
    """Update an action of the user's own team or agency, made on its current version."""
    action = get_row(session, PlanAction, action_id, "plan action")
    owner = action.owner
    if settings.fault("plan-cross-team-write") and gate.acting_for is not None:
        owner = gate.acting_for  # the defect: the action is taken to be the user's own
    child = session.get_one(Child, action.child_id)
    gate.check(child, owner=owner, what=f"plan action {action_id}")
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    if not changes:
        raise invalid_request(
            "body", "names nothing to change: title, responsible, due_date, priority or status"
        )
    for name, value in changes.items():
        if value is None:
            raise invalid_request(f"body.{name}", "must not be null")
    _check_values(rules, changes)
    _apply(session, user, action, body.version, changes, now, settings.fault("plan-lost-update"))
    return action_read(get_row(session, PlanAction, action_id, "plan action"))


def _apply(
    session: Session,
    user: Actor,
    action: PlanAction,
    version: int,
    changes: dict[str, Any],
    now: datetime,
    ignore_version: bool,
) -> None:
    """Write the changes in one statement that names the version read, so of two updates made
    on one version exactly one finds it (the other is refused with 409 version_conflict)."""
    statement = update(PlanAction).where(PlanAction.id == action.id)
    if not ignore_version:
        statement = statement.where(PlanAction.version == version)
    result = session.execute(
        statement.values(
            **changes, version=PlanAction.version + 1, updated_by=user.key, updated_at=now
        ).execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        session.rollback()
        current = session.scalar(select(PlanAction.version).where(PlanAction.id == action.id))
        raise _version_conflict(current or 0, version)
    session.commit()


def router_for(specs: SpecBundle) -> APIRouter:
    """Return the routes of the plan; the list's query parameters are documented from the
    spec's filters and sort keys."""
    rules = read_plan(specs)
    router = APIRouter(tags=["plan"])
    router.add_api_route(
        "/children/{child_id}/plan",
        read_plan_of,
        methods=["GET"],
        operation_id="getPlan",
        summary="A child's plan",
        responses=error_responses(401, 403, 404, 422),
    )
    router.add_api_route(
        "/children/{child_id}/plan/objectives",
        create_objective,
        methods=["POST"],
        status_code=201,
        operation_id="createPlanObjective",
        summary="Add an objective to a child's plan",
        responses=error_responses(401, 403, 404, 413, 422),
    )
    router.add_api_route(
        "/children/{child_id}/plan/objectives/{objective_id}/actions",
        create_action,
        methods=["POST"],
        status_code=201,
        operation_id="createPlanAction",
        summary="Add an action under an objective",
        responses=error_responses(401, 403, 404, 413, 422),
    )
    router.add_api_route(
        "/children/{child_id}/plan/actions",
        list_actions,
        methods=["GET"],
        operation_id="listPlanActions",
        summary="A child's plan actions, filtered and sorted",
        responses=error_responses(401, 403, 404, 422),
        openapi_extra={"parameters": _list_parameters(rules)},
    )
    router.add_api_route(
        "/plan-actions/{action_id}",
        get_action,
        methods=["GET"],
        operation_id="getPlanAction",
        summary="Read a plan action",
        responses=error_responses(401, 403, 404, 422),
    )
    router.add_api_route(
        "/plan-actions/{action_id}",
        update_action,
        methods=["PATCH"],
        operation_id="updatePlanAction",
        summary="Update a plan action",
        responses=error_responses(401, 403, 404, 409, 413, 422),
    )
    return router


def _list_parameters(rules: PlanSpec) -> list[dict[str, Any]]:
    parameters = []
    for name, spec_filter in rules.filters.items():
        if spec_filter.match == ANY_OF:
            values = ", ".join(rules.vocabulary(spec_filter.field))
            about = f"Comma-separated {spec_filter.field} values, any of: {values}."
        elif spec_filter.field == "due_date":
            about = f"A calendar date (YYYY-MM-DD): due {spec_filter.match.replace('_', ' ')}."
        else:
            about = f"Only actions whose {spec_filter.field} is exactly this value."
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": about,
                "schema": {"type": "string"},
            }
        )
    keys = ", ".join(rules.sort_keys)
    parameters.append(
        {
            "name": rules.sort_parameter,
            "in": "query",
            "required": False,
            "description": f"Comma-separated sort keys ({keys}), each at most once, a leading - "
            f"for descending; ties by {rules.tie_break} ascending.",
            "schema": {"type": "string"},
        }
    )
    return parameters
