"""Step 6: the campaign's dashboard, the award list, and where to follow one report's journey."""

from __future__ import annotations

from collections import Counter

from rich.panel import Panel
from rich.table import Table

from demo.client import Platform
from demo.steps.awards import award_table
from demo.story import Story
from demo.world import World
from infra.profile import WEB, Profile


def dashboard(pf: Platform, s: Story, w: World, console) -> dict:
    dash = pf.get("progress", f"/campaigns/{w.campaign_id}/dashboard", pf.admin)
    t = Table(title=f"{s.campaign['title']} — bảng theo dõi (dashboard)")
    for col in ("unit", "targets", "achieved", "early", "completion", "về đích sớm"):
        t.add_column(col, justify="left" if col == "unit" else "right")
    rows = sorted(dash["units"], key=lambda u: -(u["completion"] or {"capped": 0})["capped"])
    for u in rows:
        code = w.code_of(u["unit_id"])
        done = u["completion"]["capped"] if u["completion"] else 0
        t.add_row(
            s.unit_name(code),
            str(u["targets"]),
            str(u["achieved"]),
            str(u["achieved_early"]),
            f"{done:.0%}",
            "[green]✔[/]" if u["finished_early"] else "",
        )
    console.print(t)
    early = [s.unit_name(w.code_of(u["unit_id"])) for u in dash["early_finishers"]]
    console.print(f"[bold]về đích sớm[/] ({len(early)}): {', '.join(early)}")
    overdue = Counter(s.unit_name(w.code_of(o["unit_id"])) for o in dash["overdue"])
    late = [name if n == 1 else f"{name} ({n})" for name, n in sorted(overdue.items())]
    console.print(
        f"[bold]targets never reported[/] ({overdue.total()}, {len(overdue)} units): "
        + ", ".join(late)
    )
    return dash


def web_pages(p: Profile, s: Story, w: World) -> list[tuple[str, str]]:
    """The web application's pages of the campaign, with who reads them (sign in at /dang-nhap
    with that role)."""
    web = p.service_url(WEB)
    year = s.campaign["start"].year
    pages = [
        (f"{web}/chien-dich/{w.campaign_id}", "the campaign's dashboard (emulation office)"),
        (f"{web}/chien-dich/{w.campaign_id}/bieu-do", "its progress over time (emulation office)"),
        (
            f"{web}/xet-khen-thuong?chien_dich={w.campaign_id}",
            "its nominations by stage (emulation office)",
        ),
        *(
            (
                f"{web}/khoi/{bloc['bloc_id']}/{year}",
                f"bloc {code}'s standings (its units' officers)",
            )
            for code, bloc in list(w.blocs.items())[:1]
        ),
        (f"{web}/de-nghi", "a unit's nominations and where each stands (its unit officer)"),
    ]
    if w.session_id:
        pages.append(
            (
                f"{web}/hoi-dong/phien/{w.session_id}",
                "the council's session and ballot (council member)",
            )
        )
    if w.finding:
        pages.append(
            (
                f"{web}/kien-nghi/{w.finding['finding_id']}",
                "the Front's finding and its answer (supervisor)",
            )
        )
    pages.append((f"{web}/van-hanh", "the operators' console (operator)"))
    return pages


def show(pf: Platform, s: Story, w: World, decision: dict | None, trace_id: str, console) -> None:
    dashboard(pf, s, w, console)
    if decision:
        console.print(award_table(decision))
    p = pf.profile
    opt = "" if p.name == "dev" else f" --profile {p.name}"
    sinks = p.state / "sinks"
    pages = [f"  {url}  {what}" for url, what in web_pages(p, s, w)]
    lines = [
        f"web pages (sign in at {p.service_url(WEB)}/dang-nhap):",
        *pages,
        f"APIs: {', '.join(f'{n} {p.service_url(n)}/docs' for n in p.http_ports)}",
        f"emails: {sinks / 'mail'}/*.eml; webhooks: {sinks / 'hooks.jsonl'}",
        f"a token to explore the APIs: ./thidua token --role province_admin --sub me{opt}",
    ]
    if trace_id:
        lines.insert(
            0,
            f"one report's journey (progress → outbox → Kafka → notify → webhook): trace "
            f"[bold]{trace_id}[/]\n  view it: ./thidua trace {trace_id}"
            + ("" if p.name == "dev" else f" --profile {p.name}"),
        )
    console.print(Panel("\n".join(lines), title="where to look"))
