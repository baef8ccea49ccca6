"""The system under test: its profile, and an HTTP client that records evidence.

A supplier describes its product in a SUT profile (YAML): where its conformance API is, the
credentials of each required test user and the product's name and version. The client sends
every request with hard limits (a deadline per request, a cap on the body) and keeps each
exchange, so a failing check can show the request and response that prove it. Tokens never
leave this module: evidence shows them as `$ACCREDIT_TOKEN_<USER>`.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from accredit.errors import ProfileError, SpecError, SutUnreachable
from accredit.specs import Users, validate_document

__all__ = [
    "BREAKER_LIMIT",
    "MAX_BODY_BYTES",
    "Breaker",
    "Exchange",
    "Recorder",
    "SutClient",
    "SutError",
    "SutProfile",
    "UiControl",
    "UiProfile",
    "load_profile",
    "probe",
]

#: A response body larger than this is cut off and the exchange counts as a transport error.
MAX_BODY_BYTES = 5 * 1024 * 1024
#: How much of each body the evidence keeps.
EVIDENCE_BODY_CHARS = 4000
DEFAULT_TIMEOUT_SECONDS = 15.0
#: After this many requests in a row without an answer the SUT is taken to have stopped
#: answering: later requests of the run fail at once instead of each waiting for its deadline.
BREAKER_LIMIT = 5


class SutError(Exception):
    """The SUT did not give a usable answer (timeout, reset, oversize or non-JSON body).

    A check that meets one ends with an `error` verdict: the harness could not decide.
    """


@dataclass(frozen=True)
class UiControl:
    """A control of a screen: by ARIA role and accessible name, or by the text of its label."""

    role: str | None = None
    name: str | None = None
    label: str | None = None

    @classmethod
    def from_document(cls, document: Mapping[str, str]) -> UiControl:
        return cls(document.get("role"), document.get("name"), document.get("label"))


@dataclass(frozen=True)
class UiProfile:
    """The product's web UI (the profile's optional `ui` block), for the usability suite.

    `passwords` hold each required user's screen credentials (username, password): those of
    `ui.users`, or else the user's key and API token. They never leave the browser's fields.
    """

    base_url: str
    task_map: Path
    sign_in_path: str
    username: UiControl
    password: UiControl
    submit: UiControl
    session_lifetime_seconds: float | None
    expire_method: str | None
    expire_path: str | None
    credentials: Mapping[str, tuple[str, str]] = field(repr=False)


@dataclass(frozen=True)
class SutProfile:
    product: str
    version: str
    base_url: str
    ui_url: str | None
    timeout_seconds: float
    verify_tls: bool
    tokens: Mapping[str, str] = field(repr=False)
    source: str
    ui: UiProfile | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        passwords = [p for _, p in self.ui.credentials.values()] if self.ui else []
        return tuple(dict.fromkeys([*self.tokens.values(), *passwords]))


def load_profile(path: Path | str, users: Users) -> SutProfile:
    """Return the SUT profile at `path`, with every required user's credentials resolved.

    Raises ProfileError with one line naming the file and the problem.
    """
    path = Path(path)
    if not path.is_file():
        raise ProfileError(f"{path}: SUT profile not found")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ProfileError(f"{path}: not a valid YAML profile: {first_line}") from None
    if not isinstance(document, dict):
        raise ProfileError(f"{path}: expected a mapping with product, version, base_url, users")
    try:
        validate_document(document, "profile", path)
    except SpecError as exc:
        raise ProfileError(str(exc)) from None
    tokens: dict[str, str] = {}
    for key, credentials in document["users"].items():
        if "token" in credentials:
            tokens[key] = credentials["token"]
        else:
            variable = credentials["token_env"]
            value = os.environ.get(variable)
            if not value:
                raise ProfileError(
                    f"{path}: users.{key}.token_env: environment variable {variable} is not set"
                )
            tokens[key] = value
    missing = [u.key for u in users.required_users if u.key not in tokens]
    if missing:
        raise ProfileError(
            f"{path}: users: no credentials for required user(s) {', '.join(missing)}"
        )
    ui = _ui_profile(path, document["ui"], tokens) if "ui" in document else None
    return SutProfile(
        product=document["product"],
        version=str(document["version"]),
        base_url=document["base_url"].rstrip("/"),
        ui_url=document.get("ui_url") or (ui.base_url if ui else None),
        timeout_seconds=float(document.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)),
        verify_tls=bool(document.get("verify_tls", True)),
        tokens=tokens,
        source=str(path),
        ui=ui,
    )


def _ui_profile(path: Path, ui: Mapping[str, Any], tokens: Mapping[str, str]) -> UiProfile:
    """Return the `ui` block of a profile (already schema-checked), credentials resolved."""
    credentials = {key: (key, token) for key, token in tokens.items()}
    for key, given in ui.get("users", {}).items():
        if "password" in given:
            password = given["password"]
        else:
            password = os.environ.get(given["password_env"], "")
            if not password:
                raise ProfileError(
                    f"{path}: ui.users.{key}.password_env: environment variable "
                    f"{given['password_env']} is not set"
                )
        credentials[key] = (given["username"], password)
    task_map = Path(ui["task_map"]).expanduser()
    if not task_map.is_absolute():
        task_map = path.parent / task_map
    sign_in, session = ui["sign_in"], ui["session"]
    expire = session.get("expire")
    return UiProfile(
        base_url=ui["base_url"].rstrip("/"),
        task_map=task_map,
        sign_in_path=sign_in["path"],
        username=UiControl.from_document(sign_in["username"]),
        password=UiControl.from_document(sign_in["password"]),
        submit=UiControl.from_document(sign_in["submit"]),
        session_lifetime_seconds=session.get("lifetime_seconds"),
        expire_method=expire["method"] if expire else None,
        expire_path=expire["path"] if expire else None,
        credentials=credentials,
    )


# --- exchanges --------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One request to the SUT and what came back (or the transport failure)."""

    user: str | None
    method: str
    url: str
    request_body: str | None
    request_headers: dict[str, str]
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    truncated: bool = False
    error: str | None = None
    elapsed_ms: float = 0.0

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Return the decoded JSON body; raise SutError if the body is not JSON."""
        try:
            return json.loads(self.content)
        except ValueError:
            raise SutError(
                f"{self.method} {self.url} answered {self.status} with a body that is not JSON: "
                f"{self.text[:200]!r}"
            ) from None

    @property
    def code(self) -> str | None:
        """Return the error code of a refusal body `{"code": ...}`, if there is one."""
        try:
            body = json.loads(self.content)
        except ValueError:
            return None
        code = body.get("code") if isinstance(body, dict) else None
        return code if isinstance(code, str) else None

    def describe(self) -> str:
        """Return a one-line summary: method, path, status and the start of the body."""
        if self.error:
            return f"{self.method} {self.url} failed: {self.error}"
        return f"{self.method} {self.url} -> {self.status} {self.text[:300]}"

    def evidence(self, secrets: Iterable[str]) -> dict[str, Any]:
        """Return the exchange as results-document evidence, with every secret scrubbed."""
        scrub = _scrubber(secrets)
        response = None
        if self.status is not None:
            body = self.text
            response = {
                "status": self.status,
                "headers": {k: scrub(v) for k, v in self.response_headers.items()},
                "body": scrub(body[:EVIDENCE_BODY_CHARS]),
                "truncated": self.truncated or len(body) > EVIDENCE_BODY_CHARS,
            }
        request_body = self.request_body
        return {
            "user": self.user,
            "request": {
                "method": self.method,
                "url": scrub(self.url),
                "headers": {k: scrub(v) for k, v in self.request_headers.items()},
                "body": scrub(request_body[:EVIDENCE_BODY_CHARS]) if request_body else None,
            },
            "response": response,
            "error": scrub(self.error) if self.error else None,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "curl": scrub(self.curl()),
        }

    def curl(self) -> str:
        """Return a curl command that repeats the request, with the token as a variable."""
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            if name.lower() == "authorization":
                parts += ["-H", f'"Authorization: Bearer ${_token_variable(self.user)}"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.request_body is not None:
            parts += ["--data-raw", shlex.quote(self.request_body)]
        return " ".join(parts)


def _token_variable(user: str | None) -> str:
    return f"ACCREDIT_TOKEN_{(user or 'anonymous').upper()}"


def _scrubber(secrets: Iterable[str]) -> Any:
    secrets = [s for s in secrets if s]

    def scrub(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, "[redacted]")
        return text

    return scrub


class Breaker:
    """Counts requests in a row that got no answer; open once `limit` is reached."""

    def __init__(self, limit: int = BREAKER_LIMIT) -> None:
        self.limit = limit
        self.failures = 0
        self.last_error: str | None = None

    @property
    def open(self) -> bool:
        return self.failures >= self.limit

    def record(self, exchange: Exchange) -> None:
        if exchange.error:
            self.failures += 1
            self.last_error = exchange.error
        else:
            self.failures = 0


class Recorder:
    """Keeps the exchanges of the test being run, for its evidence."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def take(self) -> list[Exchange]:
        """Return the exchanges recorded since the last call and start afresh."""
        taken, self.exchanges = self.exchanges, []
        return taken


# --- client -----------------------------------------------------------------------------------


class SutClient:
    """Requests to the SUT's conformance API as one user (or none), recorded as evidence."""

    def __init__(
        self,
        profile: SutProfile,
        http: httpx.Client,
        recorder: Recorder,
        user: str | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self.profile = profile
        self.user = user
        self._http = http
        self._recorder = recorder
        self._breaker = breaker or Breaker()

    def as_user(self, user: str | None) -> SutClient:
        """Return a client for another user, sharing connections, evidence and breaker."""
        return SutClient(self.profile, self._http, self._recorder, user, self._breaker)

    def get(self, path: str) -> Exchange:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None) -> Exchange:
        return self.request("POST", path, body)

    def patch(self, path: str, body: Any = None) -> Exchange:
        return self.request("PATCH", path, body)

    def delete(self, path: str) -> Exchange:
        return self.request("DELETE", path)

    def request(self, method: str, path: str, body: Any = None) -> Exchange:
        """Send one request; return the exchange. Raise SutError if no usable answer came."""
        url = self.profile.base_url + path
        headers = {"Accept": "application/json"}
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        evidence_headers = dict(headers)
        if self.user is not None:
            headers["Authorization"] = f"Bearer {self.profile.tokens[self.user]}"
            evidence_headers["Authorization"] = "Bearer"
        exchange = Exchange(
            user=self.user,
            method=method,
            url=url,
            request_body=content.decode("utf-8") if content is not None else None,
            request_headers=evidence_headers,
        )
        self._recorder.add(exchange)
        if self._breaker.open:
            exchange.error = (
                f"not sent: the SUT gave no answer to {self._breaker.failures} requests in a row "
                f"(last: {self._breaker.last_error})"
            )
        else:
            self._send(exchange, headers, content)
            self._breaker.record(exchange)
        if exchange.error:
            raise SutError(exchange.describe())
        return exchange

    def _send(self, exchange: Exchange, headers: dict[str, str], content: bytes | None) -> None:
        deadline = self.profile.timeout_seconds
        started = time.monotonic()
        try:
            with self._http.stream(
                exchange.method, exchange.url, headers=headers, content=content
            ) as response:
                exchange.status = response.status_code
                exchange.response_headers = dict(response.headers)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        exchange.truncated = True
                        exchange.error = f"response body over {MAX_BODY_BYTES} bytes: cut off"
                        break
                    if time.monotonic() - started > deadline:
                        exchange.error = f"no complete answer within {deadline:g} s"
                        break
                exchange.content = b"".join(chunks)[:MAX_BODY_BYTES]
        except httpx.TimeoutException:
            exchange.error = f"no answer within {deadline:g} s"
        except httpx.HTTPError as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
        exchange.elapsed_ms = (time.monotonic() - started) * 1000


#: How long an idle connection is kept for reuse. Servers close idle connections after a few
#: seconds (uvicorn after 5, the value httpx would keep them for): a request sent on one the
#: server is closing at that instant meets "Server disconnected" and is lost, which would be
#: the harness's fault, not the SUT's. An idle connection is dropped well before that instead.
KEEPALIVE_SECONDS = 1.0


def http_client(profile: SutProfile) -> httpx.Client:
    """Return the connection pool the clients share: hard timeouts, no redirects followed,
    idle connections dropped before a server would close them."""
    timeout = httpx.Timeout(profile.timeout_seconds, connect=min(5.0, profile.timeout_seconds))
    limits = httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS)
    return httpx.Client(
        timeout=timeout, limits=limits, follow_redirects=False, verify=profile.verify_tls
    )


def probe(profile: SutProfile) -> dict[str, Any] | None:
    """Return what the SUT says of itself at GET /metadata (None if that is not JSON).

    Raise SutUnreachable if it does not answer at all.
    """
    recorder = Recorder()
    with http_client(profile) as http:
        client = SutClient(profile, http, recorder)
        try:
            exchange = client.get("/metadata")
        except SutError as exc:
            raise SutUnreachable(
                f"{profile.source}: the SUT at {profile.base_url} does not answer: {exc}"
            ) from None
    try:
        metadata = exchange.json()
    except SutError:
        return None
    return metadata if exchange.status == 200 and isinstance(metadata, dict) else None
