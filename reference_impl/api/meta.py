"""Health and identity: what the harness reads before it tests anything. No sign-in needed."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

import accredit
from reference_impl import CONTRACT_VERSION, PRODUCT
from reference_impl.api.deps import AppSettings, Specs

__all__ = ["Health", "Metadata", "router"]

router = APIRouter(tags=["meta"])


class Health(BaseModel):
    status: Literal["ok"]


class Metadata(BaseModel):
    """The product's identity, the contract and specs it implements, and its planted faults."""

    product: str
    version: str
    contract_version: str
    spec_version: str
    spec_digest: str
    faults: list[str]


@router.get("/health", operation_id="getHealth", summary="Whether the reference is up")
def get_health() -> Health:
    """Return `ok` once the reference answers requests."""
    return Health(status="ok")


@router.get("/metadata", operation_id="getMetadata", summary="The product's identity")
def get_metadata(settings: AppSettings, specs: Specs) -> Metadata:
    """Return the product, its version, the contract and spec versions and the active faults."""
    return Metadata(
        product=PRODUCT,
        version=accredit.__version__,
        contract_version=CONTRACT_VERSION,
        spec_version=specs.version,
        spec_digest=specs.digest,
        faults=sorted(settings.faults),
    )
