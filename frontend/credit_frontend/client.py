"""HTTP client of the scoring API: every failure becomes an :class:`ApiError` of a known kind.

Kinds: ``unreachable`` (no connection or timeout), ``unauthorized`` (401), ``invalid`` (422,
with the refused fields), ``unavailable`` (503, no model loaded), ``not_found`` (404, e.g. an
older API without the route), ``too_large`` (413), ``unexpected`` (anything else).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from credit_core.contracts import (
    ContractError,
    ContractVersionError,
    PublishedCard,
    read_published_card,
)
from credit_core.contracts.history import HistorySummary, read_history_summary

KIND_BY_STATUS = {401: "unauthorized", 403: "unauthorized", 404: "not_found", 413: "too_large"}
KIND_BY_STATUS |= {422: "invalid", 503: "unavailable"}


@dataclass
class ApiError(Exception):
    kind: str
    status: int | None = None
    detail: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)  # [{"field", "message"}] on 422

    def __str__(self) -> str:
        return f"{self.kind} ({self.status}): {self.detail}"


def error_from_response(response: httpx.Response) -> ApiError:
    """The problem+json body of a refused call as an :class:`ApiError`."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    kind = KIND_BY_STATUS.get(response.status_code, "unexpected")
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    return ApiError(
        kind, response.status_code, str(body.get("detail") or response.text[:200]), errors
    )


OFFICER_PREFIX = "/officer"  # the API's routes for signed-in officers (bearer token, no key)


class ApiClient:
    """Calls of the scoring API used by the app (JSON in, JSON out). With ``token`` (a signed-in
    officer's ID token) every call goes to the officers' routes with ``Authorization: Bearer``;
    else to ``/v1/...`` with ``X-API-Key`` (the local demo, a machine)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        timeout_s: float = 15.0,
        transport: httpx.BaseTransport | None = None,
        token: str | None = None,
    ):
        if token:
            headers, self._prefix = {"Authorization": f"Bearer {token}"}, OFFICER_PREFIX
        else:
            headers, self._prefix = ({"X-API-Key": api_key} if api_key else {}), ""
        self.officer = bool(token)
        self._http = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout_s, transport=transport
        )

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            response = self._http.request(method, self._prefix + path, **kw)
        except httpx.HTTPError as exc:  # connection refused, DNS, timeout, protocol error
            raise ApiError("unreachable", None, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError("unexpected", response.status_code, "response is not JSON") from exc

    def model_card(self) -> PublishedCard:
        """``GET /v1/model``: version, threshold, contract (fields and domains), importance.
        An answer that does not match the contract is an ``unexpected`` ApiError."""
        body = self._call("GET", "/v1/model")
        try:
            return read_published_card(body)
        except (ContractError, ContractVersionError) as exc:
            raise ApiError("unexpected", 200, str(exc)) from exc

    def score(self, application: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/v1/score", json=application)

    def explain(self, application: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/v1/explain", json=application)

    def score_batch(self, applications: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "/v1/score/batch", json={"applications": list(applications)})

    def decision(self, request_id: str) -> dict[str, Any]:
        """``GET /v1/decisions/{request_id}``: the decision records and their reviews."""
        return self._call("GET", f"/v1/decisions/{quote(request_id, safe='')}")

    def review(
        self, request_id: str, outcome: str, reason_code: str, note: str, item: int = 0
    ) -> dict[str, Any]:
        """``POST /v1/decisions/{request_id}/review``: the recorded review."""
        body = {"outcome": outcome, "reason_code": reason_code, "note": note, "item": item}
        return self._call("POST", f"/v1/decisions/{quote(request_id, safe='')}/review", json=body)

    def reference(self, fields: Sequence[str]) -> dict[str, Any]:
        """``GET /v1/reference?fields=A,B``: the bundle's reference sample for those fields."""
        return self._call("GET", "/v1/reference", params={"fields": ",".join(fields)})

    def history(self, sk_id_curr: int) -> HistorySummary | None:
        """``GET /v1/clients/{id}/history``: the client's history summary, ``None`` when the API
        has no history on record for them (404); ApiError otherwise (503: cannot say)."""
        try:
            body = self._call("GET", f"/v1/clients/{int(sk_id_curr)}/history")
        except ApiError as err:
            if err.kind == "not_found":
                return None
            raise
        try:
            return read_history_summary(body)
        except (ContractError, ContractVersionError) as exc:
            raise ApiError("unexpected", 200, str(exc)) from exc
