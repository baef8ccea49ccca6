"""The access matrix at the door of every route (specs/access.yaml, domain/access.py).

A route takes `gate: Gate` and calls `gate.check(...)` with the children its request concerns,
at the point the matrix's order puts it: for a change of a form, after the lock-down refusal
(lockdown.yaml answers form_locked first, whoever asks) and before everything else. The
operation is the route's own method and path template, so the row a route obeys is the one the
contract names it by. A read the matrix gives as `shared_sections` goes out through
`gate.child_view` / `gate.form_view`.

The sharing of a child with the partner agency is recorded by its own route here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sqlalchemy.orm import Session

from accredit.access_spec import AccessMatrix
from accredit.specs import SpecBundle
from reference_impl.api.deps import AppSettings, CurrentUser, DbSession, Now, get_row
from reference_impl.api.errors import error_responses, refuse
from reference_impl.domain.access import (
    Actor,
    Record,
    access_refusal,
    reach_refusal,
    shared_child,
    shared_form,
    shows_shared_sections_only,
)
from reference_impl.domain.refusal import Refusal
from reference_impl.settings import Settings
from reference_impl.store.sharing import set_shared, shared_among
from reference_impl.store.tables import Child, Form

__all__ = ["Authorised", "Gate", "Sharing", "SharingUpdate", "router"]

router = APIRouter(tags=["access"])
Body = TypeVar("Body", bound=BaseModel)


@dataclass(frozen=True)
class Gate:
    """The access decision of one request: its operation, its user, the matrix."""

    matrix: AccessMatrix
    operation: str
    actor: Actor
    session: Session
    settings: Settings

    def records(self, children: Iterable[Child]) -> list[Record]:
        """Return the children as access sees them: team, and shared with the partner or not."""
        listed = list(children)
        shared = shared_among(self.session, (c.id for c in listed))
        return [Record(c.team, c.id in shared) for c in listed]

    def check(
        self,
        *children: Child,
        teams: Iterable[str] = (),
        owner: str | None = None,
        what: str = "the record",
    ) -> None:
        """Refuse (404 hidden or 403 forbidden) unless the matrix lets the user take the
        operation on these children (and on new records of `teams`); `owner`: the team or
        agency owning the record itself (a plan action's, existing or to be)."""
        refuse(self.refusal(*children, teams=teams, owner=owner, what=what))

    def refusal(
        self,
        *children: Child,
        teams: Iterable[str] = (),
        owner: str | None = None,
        what: str = "the record",
    ) -> Refusal | None:
        """Return the refusal `check` would raise, or None when the operation is let through
        (a screen asks before it shows what the operation would read)."""
        records = [*self.records(children), *(Record(team, exists=False) for team in teams)]
        if owner is not None:
            records = [dataclasses.replace(r, owner=owner) for r in records]
        if self.settings.fault("other-team-writes") and self.actor.team is not None:
            # The defect: a record is taken to be the user's team's, whoever owns it.
            records = [Record(self.actor.team, r.shared, r.exists) for r in records]
        return access_refusal(self.matrix, self.operation, self.actor, records, what)

    @property
    def acting_for(self) -> str | None:
        """Return the team or agency the user acts for (their team, else their role's agency)."""
        return self.matrix.acting_for(self.actor.role, self.actor.team)

    def check_reach(self, *children: Child, what: str = "the record") -> None:
        """Refuse (404 hidden) a child outside the user's reach; the row's rule comes later
        (`check`), once the request names what it needs (a new plan action's owner)."""
        row = self.matrix.row(self.operation)
        if row is not None and not row.public:
            refuse(reach_refusal(self.matrix, self.actor, self.records(children), what))

    def check_form(self, form: Form) -> None:
        """Refuse unless the matrix lets the user take the operation on `form`'s child."""
        self.check(self.session.get_one(Child, form.child_id), what=f"form {form.id}")

    def _restricted(self) -> bool:
        if self.settings.fault("partner-sees-all"):
            return False  # the defect: a shared read shows the whole record
        return shows_shared_sections_only(self.matrix, self.operation, self.actor)

    def child_view(self, child: Body) -> Body:
        """Return the child (a ChildRead) as this user's read shows it."""
        if not self._restricted():
            return child
        return type(child).model_validate(shared_child(child.model_dump(), self.matrix.shared))

    def form_view(self, form: Body, specs: SpecBundle) -> Body:
        """Return the form (a FormRead) as this user's read shows it."""
        if not self._restricted():
            return form
        body = form.model_dump()
        shown = shared_form(body, specs.forms[body["kind"]], self.matrix.shared)
        return type(form).model_validate(shown)


def _gate(request: Request, user: CurrentUser, session: DbSession, settings: AppSettings) -> Gate:
    route = request.scope["route"]
    return Gate(
        matrix=request.app.state.access,
        operation=f"{request.method} {route.path}",
        actor=user,
        session=session,
        settings=settings,
    )


#: The access decision of the request; a route calls `check` where the matrix's order says.
Authorised = Annotated[Gate, Depends(_gate)]


class SharingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shared: StrictBool = Field(description="Share the child's record with the partner agency.")


class Sharing(BaseModel):
    child_id: int
    shared: bool = Field(description="The partner agency reads the shared sections of it.")


@router.put(
    "/children/{child_id}/sharing",
    operation_id="setSharing",
    summary="Share a child's record with the partner agency, or stop",
    responses=error_responses(401, 403, 404, 413, 422),
)
def set_sharing(
    child_id: int,
    body: SharingUpdate,
    gate: Authorised,
    session: DbSession,
    now: Now,
) -> Sharing:
    """Share the child with the partner agency (or stop); return whether it is shared."""
    child = get_row(session, Child, child_id, "child")
    gate.check(child, what=f"child {child_id}")
    set_shared(session, child.id, body.shared, gate.actor.key, now)
    session.commit()
    return Sharing(child_id=child.id, shared=body.shared)
