"""Several nominations at once from the pipeline list: one public notice, or one decision, for
the nominations ticked on the list (awards takes lists: `POST /notices`, `POST /decisions`).

The list offers the screened-eligible nominations for the notice and the approved ones for the
decision; awards judges the whole list and refuses it whole, naming the nomination at fault,
which the page says with the nominee's name. After a notice or a decision the browser is sent to
the list again (a GET: a reload repeats nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.web.adapters.backend import BackendError
from services.web.pages.common import Viewer, backend
from services.web.pages.pipeline import (
    BASE,
    Fields,
    Office,
    day_field,
    decision_body,
    list_page,
    listed_nominations,
    refused,
    text_field,
)

router = APIRouter()


async def _chosen(request: Request, listed: dict, ready: str, errors: dict[str, str]) -> list:
    """The ticked nominations (`chon`, repeated) that the list shows at stage `ready`, in the
    list's order; none ticked is the form's error."""
    ticked = set(parse_qs((await request.body()).decode("utf-8", "replace")).get("chon", []))
    chosen = [n for n in listed["items"] if n["nomination_id"] in ticked and n["status"] == ready]
    if not chosen:
        errors["chon"] = "Chọn ít nhất một hồ sơ trong danh sách."
    return chosen


def _named(exc: BackendError, chosen: list[dict], names: dict[str, str]) -> dict[str, str]:
    """Awards' refusal of the list: a problem at `#/nomination_ids/<i>` names the i-th
    nomination sent, said with its nominee's name."""
    errors = refused(exc, names)
    for i, n in enumerate(chosen):
        if str(i) in errors:
            who = n["nominee"].get("name") or n["nomination_id"]
            errors["chon"] = f"Hồ sơ của {who}: {errors.pop(str(i))}"
    return errors


async def _send(
    request: Request,
    v: Viewer,
    fields: dict,
    ready: str,
    path: str,
    body_of: Callable[[dict[str, str]], dict[str, Any]],
    done: str,
) -> Response:
    """The ticked nominations at stage `ready` in one call to awards (`path`, the form's body
    with their ids); then the list again, or the form with awards' reasons and the ticks kept."""
    chien_dich, nam = fields.get("chien_dich", ""), fields.get("nam", "")
    listed = await listed_nominations(request, v, chien_dich, nam)
    errors: dict[str, str] = {}
    chosen = await _chosen(request, listed, ready, errors)
    body = {**body_of(errors), "nomination_ids": [n["nomination_id"] for n in chosen]}
    if not errors:
        try:
            await backend(request).post("awards", path, v.token, body)
        except BackendError as exc:
            # a refusal naming the list (not eligible, a signer not competent) is the ticks'
            errors = _named(exc, chosen, {"nomination_ids": "chon"})
        else:
            query = {"chien_dich": chien_dich, "nam": nam, "xong": done, "so": len(chosen)}
            return RedirectResponse(f"{BASE}?{urlencode(query)}", status_code=303)
    ticked = [n["nomination_id"] for n in chosen]
    return list_page(
        request, v, listed, status=422, errors=errors, values=fields, failed=done, ticked=ticked
    )


@router.post(BASE + "/cong-khai", summary="Post the ticked nominations on one public notice")
async def post_notice(request: Request, v: Office, fields: Fields) -> Response:
    def body(errors: dict[str, str]) -> dict[str, Any]:
        return {
            "title": text_field(fields, "title", errors, "Nhập tiêu đề của thông báo công khai."),
            "start_on": day_field(fields, "start_on", errors),
        }

    return await _send(request, v, fields, "screened", "/notices", body, "cong-khai")


@router.post(BASE + "/quyet-dinh", summary="Issue one decision for the ticked nominations")
async def decide(request: Request, v: Office, fields: Fields) -> Response:
    def body(errors: dict[str, str]) -> dict[str, Any]:
        return decision_body(fields, errors)

    return await _send(request, v, fields, "approved", "/decisions", body, "quyet-dinh")
