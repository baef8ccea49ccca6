"""One need of an assessment on one screen: the evidence it rests on, the analysis and the
plan actions that meet it, side by side, read through the API's own function (`get_need`).

"With separate assessment and planning documents, it becomes impossible to view the evidence,
the analysis and the plan simultaneously" (seeds/000): this screen is the remedy.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from reference_impl.api.assessment_steps import get_need
from reference_impl.api.deps import AppSettings, DbSession, RecordSpec, Specs, get_row, require
from reference_impl.domain.access import FORM_READ
from reference_impl.store.plan import PlanAction
from reference_impl.store.tables import Child, Form
from reference_impl.ui.gates import gate_for
from reference_impl.ui.rendering import page
from reference_impl.ui.sessions import UiUser

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _words(value: str) -> str:
    return value.replace("_", " ").capitalize()


@router.get("/ui/forms/{form_id}/needs/{need_id}")
def need_screen(
    request: Request,
    form_id: int,
    need_id: int,
    user: UiUser,
    db: DbSession,
    specs: Specs,
    rules: RecordSpec,
    settings: AppSettings,
    part: str = "",
) -> HTMLResponse:
    require(user, FORM_READ)
    gate = gate_for(request, user, db, settings, "GET /forms/{form_id}/needs/{need_id}")
    need = get_need(form_id, need_id, user, gate, db, rules, settings)
    form = get_row(db, Form, form_id, "form")
    child = get_row(db, Child, form.child_id, "child")
    ids = [a.action_id for a in need.actions]
    plan = {a.id: a for a in db.scalars(select(PlanAction).where(PlanAction.id.in_(ids)))}
    # The planted fault ui-split-need-view: evidence and plan each on a screen of their own.
    split = settings.fault("ui-split-need-view")
    title = specs.forms[form.kind].title if form.kind in specs.forms else form.kind
    return page(
        request, "need.html.j2", title=need.need, user=user, need=need, form=form,
        form_title=title, child=child, plan=plan, words=_words, split=split,
        part=part if split else "",
    )  # fmt: skip
