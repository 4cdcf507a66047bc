"""Messages for people in their language: one gettext catalogue, English the source language.

A message is written in English where it is raised, as a template with named parameters:
`NotFound(Msg("no unit {unit_id}", unit_id=u))`. `Msg` is a `str` (the English text, as
`str(e)`, logs and English readers see it) that remembers its template and parameters, so
`translate` can look the template up in `servicekit/locale/<lang>/LC_MESSAGES/thidua.po` and
format the parameters into the translation. A plain string is looked up as it is; a string the
catalogue lacks is answered as written (tests/runtime/test_catalogue.py keeps that from happening
to any message raised in `services/`).

Pydantic's validation errors are translated by their error `type` with its `ctx`
(`pydantic_message`), never by parsing their English text. The language is negotiated from
`Accept-Language` (RFC 9110 § 12.5.4), defaulting to Vietnamese for people and English for
integration clients (`language_of`).
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

LANGUAGES = ("vi", "en")
SOURCE = "en"
PEOPLE = "vi"
"""The language of a person's answers when they ask for none."""
LOCALE_DIR = Path(__file__).parent / "locale"
CATALOGUE = "thidua"


class Msg(str):
    """An English message that knows its template and parameters. Parameters may be `Msg`s
    themselves (translated with the message) or plain values (dates formatted per language)."""

    template: str
    params: Mapping[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Msg:
        text = template.format(**params) if params else template
        self = super().__new__(cls, text)
        self.template = template
        self.params = params
        return self

    @classmethod
    def of(cls, english: str, template: str, params: Mapping[str, Any]) -> Msg:
        """A message whose English text is given as it is (e.g. pydantic's own)."""
        self = super().__new__(cls, english)
        self.template = template
        self.params = dict(params)
        return self


class Seq(Msg):
    """Parts joined by `sep` (a summary of violations), each translated on its own."""

    parts: tuple[Any, ...]
    sep: str

    def __new__(cls, parts: Iterable[Any], sep: str = "; ") -> Seq:
        items = tuple(parts)
        self = str.__new__(cls, sep.join(str(p) for p in items))
        self.template, self.params = str(self), {}
        self.parts, self.sep = items, sep
        return self


def joined(parts: Iterable[Any], sep: str = "; ") -> Seq:
    return Seq(parts, sep)


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid → translation of `lang`'s catalogue (read once; untranslated and fuzzy entries are
    left out, so they fall back to the English)."""
    if lang == SOURCE:
        return {}
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{CATALOGUE}.po"
    with path.open("rb") as f:
        cat = read_po(f, locale=lang, domain=CATALOGUE)
    return {
        str(m.id): str(m.string)
        for m in cat
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def translate(text: Any, lang: str) -> str:
    """`text` in `lang`: a `Msg` by its template, a plain string as it is; English unchanged."""
    if text is None:
        return ""
    if lang == SOURCE:
        return str(text)
    if isinstance(text, Seq):
        return text.sep.join(translate(p, lang) for p in text.parts)
    found = catalogue(lang)
    if isinstance(text, Msg):
        template = found.get(text.template)
        if template is None:
            return str(text)
        if not text.params:
            return template
        params = {k: _param(v, lang) for k, v in text.params.items()}
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return str(text)
    return found.get(str(text), str(text))


def _param(value: Any, lang: str) -> Any:
    if isinstance(value, str):
        return translate(value, lang) if isinstance(value, Msg) else value
    if isinstance(value, datetime):
        return value.strftime("%H:%M %d/%m/%Y") if lang == "vi" else value
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if lang == "vi" else value
    return value


# ---- kept for later: a message as JSON ---------------------------------------------------------


def to_json(text: Any) -> Any:
    """A message as JSON that `from_json` turns back into one that translates the same (an
    import report kept in the database and answered again in another language)."""
    if isinstance(text, Seq):
        return {"seq": [to_json(p) for p in text.parts], "sep": text.sep}
    if isinstance(text, Msg):
        params = {k: to_json(v) for k, v in text.params.items()}
        return {"text": str(text), "template": text.template, "params": params}
    if isinstance(text, datetime):
        return {"datetime": text.isoformat()}
    if isinstance(text, date):
        return {"date": text.isoformat()}
    if text is None or isinstance(text, (str, int, float)):
        return text
    return str(text)


def from_json(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    if "seq" in data:
        return Seq((from_json(p) for p in data["seq"]), data.get("sep", "; "))
    if "template" in data:
        params = {k: from_json(v) for k, v in data.get("params", {}).items()}
        return Msg.of(str(data.get("text", data["template"])), data["template"], params)
    if "datetime" in data:
        return datetime.fromisoformat(data["datetime"])
    if "date" in data:
        return date.fromisoformat(data["date"])
    return str(data)


# ---- language negotiation ---------------------------------------------------------------------


def negotiate(header: str | None, default: str) -> str:
    """The language `Accept-Language` prefers among LANGUAGES (q-values, `*`, `q=0` refusals),
    `default` when it names none of them (RFC 9110 lets the server ignore the header then)."""
    if not header:
        return default
    ranked: list[tuple[float, int, str]] = []
    refused: set[str] = set()
    for i, part in enumerate(header.split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.lower().split("-")[0]
        if q <= 0:
            refused.add(primary)
        elif primary in LANGUAGES or primary == "*":
            ranked.append((-q, i, primary))
    for _, _, primary in sorted(ranked):
        if primary != "*":
            return primary
        return next((c for c in (default, *LANGUAGES) if c not in refused), default)
    return next((c for c in (default, *LANGUAGES) if c not in refused), default)


def default_for(principal: Any) -> str:
    """Vietnamese for a person (or an anonymous caller), English for an integration client."""
    if principal is not None and not getattr(principal, "is_person", True):
        return SOURCE
    return PEOPLE


def language_of(request: Any) -> str:
    """The answer's language for a request (a Starlette `Request`), cached on its state. Before
    the token is verified (an answer of a middleware, a 401), the default follows the roles the
    token claims: they only choose the language of an error, never what the caller may do."""
    state = request.state
    lang = getattr(state, "language", None)
    if lang is None:
        principal = getattr(state, "principal", None)
        default = (
            default_for(principal)
            if principal is not None
            else claimed_default(request.headers.get("authorization"))
        )
        lang = negotiate(request.headers.get("accept-language"), default)
        if principal is not None:  # before the token is read, the default may still change
            state.language = lang
    return str(lang)


def claimed_default(authorization: str | None) -> str:
    """The default language for the roles an unverified bearer token claims: English for an
    integration client's, Vietnamese for anything else (a person, no token, a token unread)."""
    scheme, _, token = (authorization or "").partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3 or len(parts[1]) > 8192:
        return PEOPLE
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return PEOPLE
    roles = claims.get("roles") if isinstance(claims, dict) else None
    return SOURCE if isinstance(roles, list) and "integration_client" in roles else PEOPLE


# ---- pydantic's errors ------------------------------------------------------------------------


@functools.cache
def pydantic_templates() -> dict[str, str]:
    """Each pydantic error type's English template, as pydantic-core formats it: the msgids of
    its translations in the catalogue."""
    from pydantic_core._pydantic_core import list_all_errors

    return {e["type"]: e["message_template_python"] for e in list_all_errors()}


def pydantic_message(err: Mapping[str, Any]) -> Msg:
    """A pydantic error as a message: English as pydantic says it, translated by its `type`
    with its `ctx` (`{max_length}`, `{expected}`…)."""
    kind = str(err.get("type", ""))
    english = str(err.get("msg", "invalid"))
    params: dict[str, Any] = {}
    for key, value in (err.get("ctx") or {}).items():
        if key == "error":  # a validator's own message (translated) or pydantic's detail
            said = value.args[0] if isinstance(value, Exception) and value.args else value
            value = said if isinstance(said, Msg) else Msg(str(value))
        elif key == "expected" and isinstance(value, str):  # "'a', 'b' or 'c'"
            value = joined(value.replace(" or ", ", ").split(", "), ", ")
        elif not isinstance(value, (str, int, float, date)):
            value = str(value)
        params[key] = value
    return Msg.of(english, pydantic_templates().get(kind, english), params)
