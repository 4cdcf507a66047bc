"""The four services' public HTTP APIs, called with the signed-in person's bearer token: the web
application owns no business data and may do nothing its user's token may not."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

UPLOAD_CHUNK = 64 * 1024


class BackendError(Exception):
    """A service answered with a problem (or did not answer). `status` 0: unreachable."""

    def __init__(self, service: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{service}: {status} {problem.get('detail', '')}")
        self.service = service
        self.status = status
        self.problem = problem

    @property
    def field_errors(self) -> dict[str, str]:
        """A 422's errors by field (the last part of each JSON pointer): what each field did
        wrong, as the service said it."""
        out: dict[str, str] = {}
        for err in self.problem.get("errors") or []:
            name = str(err.get("pointer", "")).rstrip("/").rsplit("/", 1)[-1]
            out.setdefault(name, str(err.get("detail", "")))
        return out


class Backend:
    def __init__(self, urls: dict[str, str], timeout: float) -> None:
        self.urls = urls
        self.http = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self.http.aclose()

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        token: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        try:
            r = await self.http.request(
                method,
                self.urls[service] + path,
                params={k: v for k, v in (params or {}).items() if v is not None},
                json=json,
                # the services answer people's problems in Vietnamese when asked to
                headers={"Authorization": f"Bearer {token}", "Accept-Language": "vi"},
            )
        except httpx.HTTPError as exc:
            raise BackendError(service, 0, {"detail": str(exc)}) from exc
        if r.status_code >= 400:
            try:
                problem = r.json()
            except ValueError:
                problem = {"detail": r.text[:200]}
            raise BackendError(service, r.status_code, problem if isinstance(problem, dict) else {})
        return r.json() if r.content else None

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        return await self.call(service, "GET", path, token, params=params)

    async def post(self, service: str, path: str, token: str, body: Any) -> Any:
        return await self.call(service, "POST", path, token, json=body)

    async def put(self, service: str, path: str, token: str, body: Any) -> Any:
        return await self.call(service, "PUT", path, token, json=body)

    async def download(self, service: str, path: str, token: str, **params: Any) -> httpx.Response:
        """A file the service answers (an export's workbook), passed on as it came; a refusal
        raises BackendError like any call."""
        try:
            r = await self.http.get(
                self.urls[service] + path,
                params={k: v for k, v in params.items() if v is not None},
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            raise BackendError(service, 0, {"detail": str(exc)}) from exc
        if r.status_code >= 400:
            raise BackendError(service, r.status_code, {"detail": r.text[:200]})
        return r

    async def upload(
        self,
        service: str,
        path: str,
        token: str,
        data: bytes,
        content_type: str,
        sent: Callable[[int], None],
        **params: Any,
    ) -> tuple[int, dict[str, Any]]:
        """POST a file as the body (the import APIs take the file itself, not a form), in chunks,
        `sent(n)` called as each goes out. Returns the status and the JSON answer: an import's
        refusal (422) carries its row-by-row report, which the page shows."""

        async def body() -> AsyncIterator[bytes]:
            for start in range(0, len(data), UPLOAD_CHUNK):
                yield data[start : start + UPLOAD_CHUNK]
                sent(min(UPLOAD_CHUNK, len(data) - start))

        try:
            r = await self.http.post(
                self.urls[service] + path,
                params={k: v for k, v in params.items() if v is not None},
                content=body(),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": content_type,
                    "Content-Length": str(len(data)),
                    "Accept-Language": "vi",
                },
                timeout=httpx.Timeout(30.0, read=None),  # a big file's rows take their time
            )
        except httpx.HTTPError as exc:
            raise BackendError(service, 0, {"detail": str(exc)}) from exc
        try:
            answer = r.json()
        except ValueError:
            answer = {"detail": r.text[:200]}
        return r.status_code, answer if isinstance(answer, dict) else {}
