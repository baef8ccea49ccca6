"""The OpenAPI contract (specs/contract/openapi.yaml), generated from the reference itself.

Run `python -m reference_impl.contract` to regenerate it after a change to the API or to the
lifecycle (each lifecycle action is an operation), or with `--check` to fail if it is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from accredit._paths import specs_root
from reference_impl.app import create_app
from reference_impl.settings import Settings

__all__ = ["CONTRACT_PATH", "contract_document", "contract_text", "main", "write_contract"]

CONTRACT_PATH = specs_root() / "contract" / "openapi.yaml"
_HEADER = (
    "# The conformance API every product under accreditation serves (OpenAPI 3.1).\n"
    "# Generated from the reference implementation: python -m reference_impl.contract\n"
)


def contract_document() -> dict[str, Any]:
    """Return the OpenAPI document the reference serves at /openapi.json."""
    return create_app(Settings(database_url="sqlite://")).openapi()


def contract_text() -> str:
    """Return the contract as the YAML text kept in specs/contract/openapi.yaml."""
    body = yaml.safe_dump(contract_document(), sort_keys=False, allow_unicode=True, width=100)
    return _HEADER + body


def write_contract(path: Path = CONTRACT_PATH) -> Path:
    """Write the contract to `path`; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(contract_text(), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Regenerate the contract, or with --check report whether it is up to date (exit 1 if not)."""
    parser = argparse.ArgumentParser(prog="python -m reference_impl.contract")
    parser.add_argument("--check", action="store_true", help="fail if the contract is stale")
    parser.add_argument("--out", type=Path, default=CONTRACT_PATH)
    args = parser.parse_args(argv)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != contract_text():
            print(f"{args.out} is stale: run python -m reference_impl.contract", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    print(f"wrote {write_contract(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
