"""`./thidua import`: the file goes to the registry's import API in chunks (the upload bar moves
with them), and the row-by-row report is printed; against the registry app on a real database."""

from __future__ import annotations

import io

import httpx
from rich.console import Console
from typer.testing import CliRunner

from infra import import_cli, tokens
from infra.__main__ import app as thidua
from tests.registry.test_imports import ten_thousand_units


async def test_a_large_file_is_uploaded_in_chunks_and_its_report_printed(registry):
    data, bad = ten_thousand_units()
    assert len(data) > 4 * import_cli.CHUNK
    token = tokens.mint(registry.state, sub="thidua-import", roles=["province_admin"])
    transport = httpx.ASGITransport(app=registry.app)

    # what the upload reports as it goes: every byte, chunk by chunk, then the end of the upload
    sent: list[int] = []
    steps: list[str] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        outcome = await import_cli.upload(
            client,
            token,
            "units",
            "units.csv",
            data,
            sent=lambda n: (sent.append(n), steps.append("chunk")),
            uploaded=lambda: steps.append("uploaded"),
        )
    assert sum(sent) == len(data) and len(sent) == -(-len(data) // import_cli.CHUNK)
    assert steps[-1] == "uploaded" and steps.count("uploaded") == 1
    # all or nothing: refused, with each bad row and its column
    assert outcome.status == 422 and not outcome.ok
    assert {e["row"]: e["column"] for e in outcome.errors} == bad
    assert outcome.report["rows"] == 10_000 and outcome.report["imported"] == 0
    assert await registry.count("units") == 0

    # the valid rows only, with the bars and the report on a console
    out = Console(file=io.StringIO(), width=160, force_terminal=False)
    outcome = await import_cli.run(
        "http://registry", token, "units", "units.csv", data, valid_only=True,
        transport=transport, out=out,
    )  # fmt: skip
    printed = out.file.getvalue()
    assert outcome.ok and outcome.report["imported"] == await registry.count("units") > 9_000
    assert "uploading units.csv" in printed and "registry validating and importing" in printed
    assert "rows refused" in printed and "ministry" not in printed  # values are not echoed
    lines = printed.splitlines()
    for row, column in bad.items():
        assert any(f" {row} " in line and f" {column} " in line for line in lines), (row, column)


async def test_an_unreadable_file_and_a_wrong_kind(registry, tmp_path):
    token = tokens.mint(registry.state, sub="thidua-import", roles=["province_admin"])
    out = Console(file=io.StringIO(), width=160)
    outcome = await import_cli.run(
        "http://registry", token, "units", "x.csv", b"\xff\xfe garbage",
        transport=httpx.ASGITransport(app=registry.app), out=out,
    )  # fmt: skip
    assert outcome.status == 422 and outcome.errors == []
    assert outcome.body["detail"] in out.file.getvalue()
    assert await registry.count("units") == 0
    # the command refuses an unknown kind before reaching any registry
    (tmp_path / "f.csv").write_text("code\n")
    result = CliRunner().invoke(thidua, ["import", "ministries", str(tmp_path / "f.csv")])
    assert result.exit_code == 2 and "bloc-memberships, targets" in result.output
