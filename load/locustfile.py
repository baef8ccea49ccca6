"""The locust user of a load profile. Locust imports this file in its own process.

Everything it needs comes from the JSON plan named by ACCREDIT_LOAD_PLAN (written by
`load.runner` to a private folder): the operations with their weights and requests, the think
time, the pools of seeded ids and search phrases, the bearer token of the acting user, the
steps of a step-up profile and where to log each request. Each operation is reported under its
own name, so its percentiles can be held against its budget; each request is also logged with
its time, so the harness can cut a run into windows (the thirds of a soak, the steps of a
step-up) without relying on locust's rolling percentiles.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any, ClassVar

from locust import FastHttpUser, LoadTestShape, between, events  # type: ignore[import-not-found]

with open(os.environ["ACCREDIT_LOAD_PLAN"], encoding="utf-8") as _plan:
    PLAN: dict[str, Any] = json.load(_plan)

_LOG: Any = None


@events.init.add_listener  # type: ignore[untyped-decorator]
def _open_log(environment: Any, **_: Any) -> None:
    # One file per process: a master writes nothing, each worker and a lone runner its own.
    global _LOG
    if PLAN.get("request_log"):
        _LOG = open(f"{PLAN['request_log']}.{os.getpid()}.csv", "a", encoding="utf-8")  # noqa: SIM115


@events.request.add_listener  # type: ignore[untyped-decorator]
def _log_request(name: str, response_time: float, exception: Any, start_time: float,
                 **_: Any) -> None:  # fmt: skip
    if _LOG is not None and not name.endswith("(read)"):
        _LOG.write(f"{start_time:.4f},{name},{response_time:.2f},{int(exception is not None)}\n")


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _close_log(**_: Any) -> None:
    if _LOG is not None:
        _LOG.close()


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
                form = current.json() if current.status_code == 200 else {}
                question = PLAN["editable_question"]
                if isinstance(question, dict):  # one question per form kind
                    question = question.get(form.get("kind"), "")
                body = {"version": form.get("version", 0), "answers": {question: "Updated."}}
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


if PLAN.get("steps"):

    class StepUp(LoadTestShape):  # type: ignore[misc]
        """Hold each step's user count for its seconds, then stop."""

        def tick(self) -> tuple[int, float] | None:
            step = int(self.get_run_time() // PLAN["step_seconds"])
            if step >= len(PLAN["steps"]):
                return None
            return PLAN["steps"][step], PLAN["spawn_rate"]
