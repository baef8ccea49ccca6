"""A bare locust user: the same requests as the harness's read operations, nothing else.

No plan file, no request log, no per-kind answers: what anyone would write by hand. The
honesty test runs it beside the harness's locustfile to show what the harness costs.
"""

import os
import random

from locust import FastHttpUser, between, task  # type: ignore[import-not-found]

CHILDREN = [int(i) for i in os.environ["BARE_CHILD_IDS"].split(",")]
FORMS = [int(i) for i in os.environ["BARE_FORM_IDS"].split(",")]
AUTH = {"Authorization": f"Bearer {os.environ['BARE_TOKEN']}"}


class BareUser(FastHttpUser):  # type: ignore[misc]
    wait_time = between(0, 0)

    @task(1)
    def open_child(self) -> None:
        child = random.choice(CHILDREN)
        self.client.get(f"/children/{child}", headers=AUTH, name="open_child")
        self.client.get(f"/children/{child}/forms", headers=AUTH, name="open_child")

    @task(1)
    def read_form(self) -> None:
        self.client.get(f"/forms/{random.choice(FORMS)}", headers=AUTH, name="read_form")
