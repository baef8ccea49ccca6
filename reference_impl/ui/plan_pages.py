"""The screens of a child's plan: its actions, filtered by the team that owns them, and one
action's screen to update it. They act through the plan API's own functions and rules
(`reference_impl.api.plan`, `reference_impl.domain.plan`, specs/plan.yaml)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from accredit.plan_spec import PlanSpec
from reference_impl.api.deps import AppSettings, DbSession, Now, get_row
from reference_impl.api.errors import ApiError
from reference_impl.api.plan import ActionUpdate, PlanRules, update_action
from reference_impl.domain.access import Actor
from reference_impl.domain.plan import (
    ActionFacts,
    QueryProblem,
    parse_query,
    select_actions,
)
from reference_impl.store.plan import PlanAction, PlanObjective
from reference_impl.store.tables import Child
from reference_impl.ui.gates import gate_for
from reference_impl.ui.rendering import ErrorItem, page
from reference_impl.ui.sessions import UiUser

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The plan's query parameter that filters by owning team (specs/plan.yaml, listing.filters).
_OWNER = "owner"


def _words(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _team_parameter(rules: PlanSpec) -> str:
    return next(p for p, f in rules.filters.items() if f.field == _OWNER)


def _facts(action: PlanAction) -> ActionFacts:
    return ActionFacts(
        id=action.id, owner=action.owner, status=action.status, priority=action.priority,
        responsible=action.responsible, due_date=action.due_date, updated_at=action.updated_at,
    )  # fmt: skip


@router.get("/ui/children/{child_id}/plan")
def plan_screen(
    request: Request,
    child_id: int,
    user: UiUser,
    db: DbSession,
    rules: PlanRules,
    settings: AppSettings,
    team: str = "",
    done: str = "",
) -> HTMLResponse:
    child = get_row(db, Child, child_id, "child")
    gate_for(request, user, db, settings, "GET /children/{child_id}/plan").check(child)
    errors: list[ErrorItem] = []
    wanted = [(_team_parameter(rules), team)] if team else []
    if settings.fault("ui-plan-filter-lost"):
        wanted = []  # the defect: the team chosen is shown as chosen, and ignored
    query = parse_query(rules, wanted)
    if isinstance(query, QueryProblem):
        errors.append(ErrorItem(f"Choose a team from the list ({query.problem})", "team"))
        query = parse_query(rules, [])
        assert not isinstance(query, QueryProblem)
    rows = {a.id: a for a in db.scalars(select(PlanAction).where(PlanAction.child_id == child.id))}
    objectives = {
        o.id: o.title
        for o in db.scalars(select(PlanObjective).where(PlanObjective.child_id == child.id))
    }
    shown = [rows[f.id] for f in select_actions(rules, [_facts(a) for a in rows.values()], query)]
    owners = {o.id: o.title for o in rules.owners}
    return page(
        request, "plan.html.j2", title=f"Plan for {child.given_name} {child.family_name}",
        user=user, child=child, actions=shown, objectives=objectives, owners=owners,
        team=team, words=_words, errors=errors,
        banner="Action saved" if done == "action" else "",
    )  # fmt: skip


def _action_screen(
    request: Request,
    user: Actor,
    db: Session,
    rules: PlanSpec,
    action: PlanAction,
    errors: list[ErrorItem] | None = None,
) -> HTMLResponse:
    child = get_row(db, Child, action.child_id, "child")
    owners = {o.id: o.title for o in rules.owners}
    return page(
        request, "plan_action.html.j2", title=action.title, user=user, child=child,
        action=action, owner=owners.get(action.owner, action.owner), words=_words,
        statuses=rules.statuses, priorities=rules.priorities, errors=errors,
        status_code=400 if errors else 200,
    )  # fmt: skip


@router.get("/ui/plan-actions/{action_id}")
def action_screen(
    request: Request,
    action_id: int,
    user: UiUser,
    db: DbSession,
    rules: PlanRules,
    settings: AppSettings,
) -> HTMLResponse:
    action = get_row(db, PlanAction, action_id, "plan action")
    gate = gate_for(request, user, db, settings, "GET /plan-actions/{action_id}")
    gate.check(get_row(db, Child, action.child_id, "child"))
    return _action_screen(request, user, db, rules, action)


@router.post("/ui/plan-actions/{action_id}", response_model=None)
def save_action(
    request: Request,
    action_id: int,
    user: UiUser,
    db: DbSession,
    rules: PlanRules,
    settings: AppSettings,
    now: Now,
    version: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "",
) -> Response:
    action = get_row(db, PlanAction, action_id, "plan action")
    child_id = action.child_id
    changes = {"status": status or None, "priority": priority or None}
    try:
        body = ActionUpdate.model_validate(
            {"version": int(version) if version.isdigit() else 0}
            | {k: v for k, v in changes.items() if v is not None}
        )
        gate = gate_for(request, user, db, settings, "PATCH /plan-actions/{action_id}")
        update_action(action_id, body, user, gate, db, rules, settings, now)
    except ApiError as error:
        db.rollback()
        action = get_row(db, PlanAction, action_id, "plan action")
        return _action_screen(request, user, db, rules, action, [ErrorItem(error.message)])
    return RedirectResponse(f"/ui/children/{child_id}/plan?done=action", 303)
