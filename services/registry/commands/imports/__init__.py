"""Bulk import from .xlsx and .csv of units, people, bloc memberships and targets (the export to
.xlsx is store/exports.py's rows in api/imports.py's workbook).

Every row is validated first and the report names each bad row, its column and the problem (rows
are numbered as a spreadsheet shows them: the header is row 1). By default nothing is imported
when any row is bad; on request (`mode="valid"`) the valid rows are imported and the bad ones
reported. A row that depends on a bad row (a unit whose parent's row is bad) is bad too.

Re-importing is harmless: the same file (by its SHA-256) again answers the first report and does
nothing; a row already in the registry with the same data counts as "unchanged" (units by code,
people by personnel code, citizen id, or name + birth year + gender + unit, memberships by bloc,
year and unit, targets by campaign, unit and name), and one with different data is an error (use
the API to change a record: a change is dated, an import row is not).

The columns are those of the export, so an exported file imports back as "unchanged". Headers are
matched without accents, case or spacing, and a few Vietnamese headers are understood too
("Mã đơn vị", "Tên đơn vị", "Họ và tên", …). Reading files, parsing cells, the report and the
run are servicekit/imports.py's, shared with progress's import of reports.
"""

from __future__ import annotations

from typing import Any

from servicekit import imports
from servicekit.imports import Report
from servicekit.unit_of_work import UnitOfWork
from services.registry.commands.imports import memberships, people, targets, units
from services.registry.commands.imports.rows import KINDS, parse
from services.registry.config import RegistryConfig

__all__ = ["KINDS", "run"]

IMPORTERS = {
    "units": units.import_rows,
    "people": people.import_rows,
    "bloc-memberships": memberships.import_rows,
    "targets": targets.import_rows,
}


async def run(
    uow: UnitOfWork,
    config: RegistryConfig,
    kind: str,
    data: bytes,
    *,
    mode: str = "all",
    dry_run: bool = False,
) -> Report:
    """Validate and (unless `dry_run`, or `mode="all"` with a bad row) import a file. The caller
    owns the transaction; its events are published through `uow`."""
    importer = IMPORTERS[kind]

    async def rows(good: list[tuple[int, Any]], report: Report, write: bool) -> None:
        await importer(uow, config, good, report, write, mode)

    return await imports.run(
        uow.con,
        kind,
        data,
        parse=lambda d, m: parse(kind, d, m),
        importer=rows,
        max_rows=config.import_max_rows,
        mode=mode,
        dry_run=dry_run,
    )
