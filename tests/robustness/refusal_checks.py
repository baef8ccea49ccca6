"""Schemathesis hooks for the bad-input run against the reference (loaded by name).

Every refusal must name its problem; generated ids are folded onto records that exist, so
requests reach the rules behind the routes instead of stopping at 404.
"""

from __future__ import annotations

from typing import Any

import schemathesis

#: Records the test seeds before the run: ids 1 to EXISTING exist for each resource.
EXISTING = 6
_ID_PARAMETERS = ("child_id", "form_id", "group_id")


@schemathesis.check
def refusal_names_the_problem(ctx: Any, response: Any, case: Any) -> bool:
    """A 4xx answer is JSON with a non-empty `code` and `message`."""
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict), f"refusal body is not an object: {response.text[:200]}"
        assert body.get("code") and body.get("message"), f"refusal without code/message: {body}"
    return True


@schemathesis.hook
def map_path_parameters(ctx: Any, path_parameters: dict[str, Any] | None) -> Any:
    if not path_parameters:
        return path_parameters
    for name in _ID_PARAMETERS:
        value = path_parameters.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            path_parameters[name] = value % (EXISTING + 1)  # 0 never exists: still a 404 path
    return path_parameters
