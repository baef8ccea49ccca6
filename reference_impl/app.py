"""Wiring: the FastAPI application of the reference, built from settings and the specs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from accredit.access_spec import load_access
from accredit.errors import SpecError
from accredit.record_spec import load_record_rules
from accredit.specs import SpecBundle, Users, load_specs
from reference_impl import CONTRACT_VERSION
from reference_impl.api import (
    access,
    addenda,
    administration,
    assessment_steps,
    audit,
    children,
    chronology,
    cin_records,
    definitions,
    evidence,
    feed,
    forms,
    looked_after,
    meta,
    note_links,
    notes,
    plan,
    prepopulation,
    referrals,
    returns,
    search,
    service_figures,
)
from reference_impl.api.errors import STATUS_BY_CODE, error_responses, install_error_handlers
from reference_impl.api.limits import BodySizeLimit
from reference_impl.api.strain import LoadFaults, wanted
from reference_impl.domain.refusal import FORM_LOCKED
from reference_impl.settings import Settings
from reference_impl.store.accounts import ensure_users, rotate_tokens
from reference_impl.store.db import make_engine, make_sessions
from reference_impl.ui import install_ui

__all__ = ["CONTRACT_TITLE", "create_app", "issue_tokens"]

CONTRACT_TITLE = "ics-accredit conformance API"
_ERROR_BODY = "#/components/schemas/ErrorBody"
_DESCRIPTION = (
    "The API every product under accreditation serves to the ics-accredit harness: children, "
    "sibling groups, form definitions, forms and their lifecycle, attachments and links, "
    "addenda, record administration (metadata, moves, merges, bulk updates, pre-population), "
    "the six steps of a core assessment (evidence, analysis, needs, actions, planned and actual "
    "outcomes), the child's plan (objectives and actions owned by teams), case notes and the "
    "records they are linked to, the chronology, search of a child's record, referrals, "
    "assessments, child protection and looked-after episodes, service figures, the statutory "
    "returns (CIN census, SSDA903) and the daily feed, and the audit trail. Every error "
    "answers with the ErrorBody schema. Rules (questions, bands, lifecycle, roles) come from "
    "the specs the product is accredited against."
)


def create_app(settings: Settings | None = None, specs: SpecBundle | None = None) -> FastAPI:
    """Return the reference application: specs loaded, database ready, test users present.

    `specs` defaults to the bundle under `settings.specs_dir`. Users missing from the database
    are created with fresh tokens nobody sees; call `issue_tokens` to get tokens that work.
    """
    settings = settings or Settings()
    specs = specs or load_specs(settings.specs_dir)
    record_rules = load_record_rules(specs.root)
    engine = make_engine(settings.database_url)
    sessions = make_sessions(engine)
    with sessions() as session:
        ensure_users(session, specs.users)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title=CONTRACT_TITLE,
        version=CONTRACT_VERSION,
        description=_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.specs = specs
    app.state.access = load_access(specs)
    app.state.record_rules = record_rules
    app.state.engine = engine
    app.state.sessions = sessions
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if wanted(settings):
        app.add_middleware(LoadFaults, settings=settings)
    routers = [
        meta.router,
        children.router,
        access.router,
        definitions.router,
        forms.router_for(specs),
        evidence.router,
        addenda.router,
        prepopulation.router,
        administration.router,
        assessment_steps.router,
        notes.router,
        plan.router_for(specs),
        note_links.router_for(record_rules),
        chronology.router,
        search.router,
        audit.router,
        referrals.router,
        looked_after.router,
        service_figures.router,
        cin_records.router,
        returns.router,
        feed.router,
    ]
    for router in routers:
        app.include_router(router)
    install_ui(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    _check_lockdown(routers, specs)
    return app


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.split("?", 1)[0])


def _check_lockdown(routers: list[APIRouter], specs: SpecBundle) -> None:
    """Refuse to start unless every route of lockdown.yaml is served and refused as it says."""
    lockdown = specs.lockdown
    where = specs.root / "lockdown.yaml"
    if (lockdown.refusal_code, lockdown.refusal_status) != (
        FORM_LOCKED,
        STATUS_BY_CODE[FORM_LOCKED],
    ):
        raise SpecError(
            where,
            "refusal",
            f"the reference refuses with {STATUS_BY_CODE[FORM_LOCKED]} {FORM_LOCKED}",
        )
    served = {
        (method, _shape(route.path))
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    wanted = [
        (f"mutation_routes[{i}]", r.method, r.path.replace("{action}", action))
        for i, r in enumerate(lockdown.mutation_routes)
        for action in (specs.lifecycle.actions if r.for_each_action else ("",))
    ]
    wanted += [
        (f"creation_routes[{i}]", c.method, c.path) for i, c in enumerate(lockdown.creation_routes)
    ]
    wanted += [
        ("addenda.list", "GET", lockdown.addenda.list_path),
        ("audit.path", "GET", lockdown.audit.path),
    ]
    for at, method, path in wanted:
        if (method, _shape(path)) not in served:
            raise SpecError(where, at, f"the reference serves no {method} {path}")


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            description=app.description,
            routes=app.routes,
        )
        for operations in document["paths"].values():
            for operation in operations.values():
                _tidy(operation)
        schemas = document.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
    return app.openapi_schema


def _tidy(operation: dict[str, Any]) -> None:
    # FastAPI's own validation-error body is never sent: every error is an ErrorBody.
    invalid = operation["responses"].get("422", {})
    if _schema_of(invalid) == {"$ref": "#/components/schemas/HTTPValidationError"}:
        operation["responses"]["422"] = error_responses(422)[422] | {
            "content": {"application/json": {"schema": {"$ref": _ERROR_BODY}}}
        }
        operation["responses"]["422"].pop("model")
    # An optional body is the body's schema with `required: false`, not "schema or null".
    body = operation.get("requestBody")
    schema = _schema_of(body or {})
    if body and not body.get("required") and "anyOf" in schema:
        refs = [s for s in schema["anyOf"] if s != {"type": "null"}]
        if len(refs) == 1:
            body["content"]["application/json"]["schema"] = refs[0]


def _schema_of(part: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = part.get("content", {}).get("application/json", {}).get("schema", {})
    return schema


def issue_tokens(target: FastAPI | Engine, users: Users | None = None) -> dict[str, str]:
    """Give every required test user a fresh token; return the tokens by user key.

    `target` is an application from `create_app` or its engine; with an engine, `users` defaults
    to the users of the bundled specs. Earlier tokens stop working.
    """
    if isinstance(target, FastAPI):
        engine: Engine = target.state.engine
        users = users or target.state.specs.users
    else:
        engine = target
        users = users or load_specs().users
    with Session(engine) as session:
        return rotate_tokens(session, users)
