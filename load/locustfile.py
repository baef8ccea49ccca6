"""The locust user of a load profile. Locust imports this file in its own process.

Everything it needs comes from the JSON plan named by ACCREDIT_LOAD_PLAN (written by
`load.runner` to a private folder): the operations with their weights and requests, the think
time, the ids of seeded records and the bearer token of the acting user. Each operation is
reported under its own name, so its percentiles can be held against its budget.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any, ClassVar

from locust import FastHttpUser, between  # type: ignore[import-not-found]

with open(os.environ["ACCREDIT_LOAD_PLAN"], encoding="utf-8") as _plan:
    PLAN: dict[str, Any] = json.load(_plan)


def _operation(operation: dict[str, Any]) -> Any:
    def run(user: ProfileUser) -> None:
        ids = PLAN["ids"]
        values = {name: random.choice(pool) for name, pool in ids.items()}
        for request in operation["requests"]:
            path = request["path"].format(**values)
            body = None
            if request.get("body") == "note":
                body = {"text": "Telephone call with mum: the child is settling at school."}
            elif request.get("body") == "answers":
                current = user.client.get(path, headers=user.auth, name=f"{operation['id']} (read)")
                version = current.json().get("version") if current.status_code == 200 else 0
                body = {"version": version, "answers": {PLAN["editable_question"]: "Updated."}}
            sent = user.client.request(
                request["method"], path, headers=user.auth, json=body,
                name=operation["id"], catch_response=True,
            )  # fmt: skip
            with sent as answer:
                if answer.status_code >= 400 and not (
                    request.get("body") == "answers" and answer.status_code == 409
                ):
                    answer.failure(f"{answer.status_code}")
                else:
                    answer.success()

    run.__name__ = operation["id"]
    return run


class ProfileUser(FastHttpUser):  # type: ignore[misc]
    wait_time = between(*PLAN["think_seconds"])
    tasks: ClassVar[dict[Any, float]] = {_operation(op): op["weight"] for op in PLAN["operations"]}

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {PLAN['token']}"}
