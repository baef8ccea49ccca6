"""Form definitions: the product publishes the questions and statuses of the spec (FUN-003)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from accredit.specs import FormDefinition, did_you_mean
from reference_impl import faults
from reference_impl.api.access import Authorised
from reference_impl.api.deps import AppSettings, Specs
from reference_impl.api.errors import ApiError, error_responses
from reference_impl.settings import Settings

__all__ = ["FormDefinitionRead", "published", "router"]

router = APIRouter(tags=["form definitions"])

QuestionStatus = Literal["mandatory", "optional", "not_asked"]


class QuestionRead(BaseModel):
    id: str
    text: str
    type: str
    options: list[str] | None
    status: dict[str, QuestionStatus]


class SectionRead(BaseModel):
    id: str
    title: str
    questions: list[QuestionRead]


class FormDefinitionRead(BaseModel):
    """A form kind as specs/forms defines it: each question's status in each age band."""

    kind: str
    title: str
    version: int
    age_band_set: str | None
    bands: list[str]
    sections: list[SectionRead]


def published(definition: FormDefinition, settings: Settings) -> FormDefinitionRead:
    """Return a form definition as the API publishes it."""
    document = definition.to_document()
    if settings.fault("definition-drift"):
        document = faults.drifted_definition(document)
    return FormDefinitionRead.model_validate(document)


@router.get(
    "/form-definitions",
    operation_id="listFormDefinitions",
    summary="Every form definition",
    responses=error_responses(401, 403),
)
def list_form_definitions(
    gate: Authorised, specs: Specs, settings: AppSettings
) -> list[FormDefinitionRead]:
    """Return every form kind's definition, ordered by kind."""
    gate.check(what="the form definitions")
    return [published(specs.forms[kind], settings) for kind in sorted(specs.forms)]


@router.get(
    "/form-definitions/{kind}",
    operation_id="getFormDefinition",
    summary="One form definition",
    responses=error_responses(401, 403, 404),
)
def get_form_definition(
    kind: str, gate: Authorised, specs: Specs, settings: AppSettings
) -> FormDefinitionRead:
    """Return one form kind's definition."""
    gate.check(what=f"form definition {kind}")
    if kind not in specs.forms:
        raise ApiError(
            404,
            "not_found",
            f"form definition {kind!r} not found; known kinds: {', '.join(sorted(specs.forms))}"
            f"{did_you_mean(kind, specs.forms)}",
        )
    return published(specs.forms[kind], settings)
