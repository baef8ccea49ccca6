"""Run the Department's published validation rules on a return, as the open-source validators
carry them, and print what they found as JSON. Runs under the validators' own interpreter
(`make setup` makes `.venv-validators`: they pin pandas below 2 and import pytest), called as
a subprocess by the returns suite; it imports nothing of the harness.

    python run_validators.py cin CENSUS.xml RULESET
    python run_validators.py ssda903 FOLDER RULESET COLLECTION_YEAR LA_CODE

Output: {"ruleset", "rules_run", "rules_failed_to_run", "issues": [{"code", "message", "count",
"children"}]}. Whether a code is a query is the caller's to decide.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import json
import logging
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

#: How many children an issue names in the output.
CHILDREN_SHOWN = 10


def _cin(path: str, ruleset: str) -> dict[str, Any]:
    from cin_validator import cin_validator

    registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry
    root = ET.parse(path).getroot()
    data = cin_validator.process_data(cin_validator.convert_data(root))
    validator = cin_validator.CinValidator(data, registry, selected_rules=None)
    issues: dict[str, dict[str, Any]] = {}
    frame = validator.full_issue_df
    for _, row in frame.iterrows():
        code = str(row["rule_code"])
        entry = issues.setdefault(
            code,
            {
                "code": code,
                "message": str(row.get("rule_description", "")),
                "count": 0,
                "children": [],
            },
        )
        entry["count"] += 1
        child = str(row.get("child_id", ""))
        if child and child not in entry["children"] and len(entry["children"]) < CHILDREN_SHOWN:
            entry["children"].append(child)
    return {
        "ruleset": ruleset,
        "rules_run": len(registry),
        "rules_failed_to_run": [],
        "issues": list(issues.values()),
    }


def _ssda903(folder: str, ruleset: str, year: str, la_code: str) -> dict[str, Any]:
    from lac_validator.lac_validator import LacValidator
    from lac_validator.utils import process_uploaded_files

    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    files = process_uploaded_files(
        {"This year": sorted(str(p) for p in Path(folder).glob("*.csv"))}
    )
    metadata = {"collectionYear": year, "localAuthority": la_code}
    validator = LacValidator(metadata=metadata, files=files, registry=registry, selected_rules=None)
    messages = {str(rule.code): rule.message for rule in registry.values()}
    issues: dict[str, dict[str, Any]] = {}
    for table, frame in validator.ds_results.items():
        if table == "metadata" or not hasattr(frame, "columns"):
            continue
        for column in [c for c in frame.columns if str(c).startswith("ERR_")]:
            code = str(column)[4:]
            hit = frame[frame[column] == True]  # noqa: E712 (a pandas mask)
            if hit.empty:
                continue
            entry = issues.setdefault(
                code, {"code": code, "message": messages.get(code, ""), "count": 0, "children": []}
            )
            entry["count"] += len(hit)
            for child in hit.get("CHILD", []):
                child = str(child)
                if child not in entry["children"] and len(entry["children"]) < CHILDREN_SHOWN:
                    entry["children"].append(child)
    return {
        "ruleset": ruleset,
        "rules_run": len(validator.dones),
        "rules_failed_to_run": sorted(str(c) for c in validator.fails),
        "issues": list(issues.values()),
    }


def main(argv: list[str]) -> int:
    logging.disable(logging.CRITICAL)
    kind, args = argv[1], argv[2:]
    with contextlib.redirect_stdout(sys.stderr):  # the validators print as they go
        result = _cin(*args) if kind == "cin" else _ssda903(*args)
    package = {"cin": "csc-validator-be-cin", "ssda903": "csc-validator-be-903"}[kind]
    result["version"] = f"{package} {importlib.metadata.version(package)}"
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
