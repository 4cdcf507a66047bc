"""A small province for the API tests, after the 2020 Cà Mau plan (the seed)."""

from __future__ import annotations

from typing import Any

from tests.registry.conftest import Registry


async def unit(
    reg: Registry,
    code: str,
    name: str,
    kind: str,
    level: str,
    parent: Any = None,
    valid_from: str = "2000-01-01",
    **extra: Any,
) -> str:
    body = {
        "code": code,
        "name": name,
        "kind": kind,
        "level": level,
        "valid_from": valid_from,
        "parent_id": str(parent) if parent else None,
        **extra,
    }
    r = await reg.post("/units", body, expect=201)
    return r.json()["unit_id"]


async def province(reg: Registry) -> dict[str, str]:
    u: dict[str, str] = {}
    u["ubnd"] = await unit(
        reg, "000.00.00.H12", "Ủy ban nhân dân tỉnh Cà Mau", "provincial_committee", "province"
    )
    u["stc"] = await unit(reg, "000.00.01.H12", "Sở Tài chính", "department", "province", u["ubnd"])
    u["syt"] = await unit(reg, "000.00.02.H12", "Sở Y tế", "department", "province", u["ubnd"])
    u["sxd"] = await unit(reg, "000.00.03.H12", "Sở Xây dựng", "department", "province", u["ubnd"])
    u["dd"] = await unit(
        reg, "000.00.10.H12", "Ủy ban nhân dân huyện Đầm Dơi", "district", "district", u["ubnd"]
    )
    u["tt"] = await unit(
        reg, "000.00.11.H12", "Ủy ban nhân dân xã Tân Thuận", "commune", "commune", u["dd"]
    )
    return u
