"""People's statuses, blocs, campaigns: regime, completeness, targets and their revisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest

from servicekit.errors import Conflict, Invalid
from services.registry.domain import blocs as b
from services.registry.domain import campaigns as c
from services.registry.domain import people as p

D = date


# ---- people ----------------------------------------------------------------------------------


def test_person_versions_and_corrections():
    unit, other = uuid4(), uuid4()
    x = p.register(
        uuid4(),
        full_name="Trần Thị Bình",
        gender="female",
        birth_year=1980,
        unit_id=unit,
        position="Chuyên viên",
        valid_from=D(2015, 1, 1),
    )
    x, v = p.change(x, D(2020, 6, 1), unit_id=other, position="Phó Giám đốc")
    assert v is not None and v.valid_from == D(2020, 6, 1)
    assert x.as_of(D(2019, 1, 1)).unit_id == unit and x.as_of(D(2021, 1, 1)).unit_id == other
    same, none = p.change(x, D(2021, 1, 1), unit_id=other)
    assert none is None and same == x
    fixed, v = p.change(x, D(2021, 1, 1), birth_year=1981)
    assert fixed.birth_year == 1981 and len(fixed.versions) == 2
    with pytest.raises(Invalid):
        p.change(x, D(2010, 1, 1), position="x")
    with pytest.raises(Invalid):
        p.register(
            uuid4(),
            full_name="A",
            gender="male",
            birth_year=2030,
            unit_id=unit,
            position="x",
            valid_from=D(2020, 1, 1),
        )


def test_statuses_block_while_they_apply():
    person = uuid4()
    inv = p.StatusPeriod(uuid4(), person, "investigation", D(2024, 3, 1))
    discipline = p.StatusPeriod(
        uuid4(), person, "discipline", D(2023, 1, 1), D(2024, 1, 1), "warning"
    )
    statuses = [p.add_status([], inv), p.add_status([inv], discipline)]
    assert p.blocking(statuses, D(2023, 6, 1)) == [discipline]
    assert p.blocking(statuses, D(2024, 1, 1)) == []  # the end is exclusive
    assert p.blocking(statuses, D(2024, 5, 1)) == [inv]
    ended = p.end_status(inv, D(2024, 9, 1))
    assert p.blocking([ended], D(2024, 9, 1)) == []
    with pytest.raises(Conflict):
        p.end_status(ended, D(2024, 10, 1))
    with pytest.raises(Conflict):  # overlapping investigation
        p.add_status(statuses, p.StatusPeriod(uuid4(), person, "investigation", D(2025, 1, 1)))
    with pytest.raises(Invalid):
        p.add_status([], p.StatusPeriod(uuid4(), person, "discipline", D(2024, 1, 1)))
    with pytest.raises(Invalid):
        p.add_status(
            [], p.StatusPeriod(uuid4(), person, "complaint", D(2024, 1, 1), None, "warning")
        )


# ---- blocs -----------------------------------------------------------------------------------


def _exists(_u, _d):
    return True


def _nowhere(_u, _d):
    return None


def test_bloc_membership_head_and_deputy():
    u1, u2, u3 = uuid4(), uuid4(), uuid4()
    bloc = b.Bloc(uuid4(), "K-KT", "Khối Kinh tế", "bloc")
    by = b.form(bloc, 2024, [u1, u2], unit_exists_on=_exists, elsewhere=_nowhere)
    assert by.formed_on == D(2024, 1, 1) and by.members_on(D(2024, 1, 1)) == [u1, u2]
    by = b.elect(by, u1, u2)
    with pytest.raises(Conflict):  # the head cannot leave
        b.change_members(
            by,
            add=[],
            remove=[u1],
            effective_on=D(2024, 6, 1),
            unit_exists_on=_exists,
            elsewhere=_nowhere,
        )
    by = b.change_members(
        by,
        add=[u3],
        remove=[],
        effective_on=D(2024, 6, 1),
        unit_exists_on=_exists,
        elsewhere=_nowhere,
    )
    assert by.members_on(D(2024, 5, 31)) == [u1, u2]
    assert by.members_on(D(2024, 6, 1)) == [u1, u2, u3]
    with pytest.raises(Invalid):
        b.elect(by, u1, u1)
    with pytest.raises(Invalid):
        b.elect(by, uuid4(), None)
    with pytest.raises(Invalid):  # outside the year
        b.change_members(
            by,
            add=[uuid4()],
            remove=[],
            effective_on=D(2025, 1, 1),
            unit_exists_on=_exists,
            elsewhere=_nowhere,
        )
    with pytest.raises(Conflict):
        b.form(bloc, 2024, [u1], unit_exists_on=_exists, elsewhere=_nowhere, existing_years={2024})
    with pytest.raises(Conflict):  # one bloc of a kind at a time
        b.form(bloc, 2025, [u1], unit_exists_on=_exists, elsewhere=lambda u, d: "K-VX")
    with pytest.raises(Invalid):
        b.form(bloc, 2025, [u1], unit_exists_on=lambda u, d: False, elsewhere=_nowhere)


# ---- campaigns -------------------------------------------------------------------------------


def test_regime_is_derived_from_the_end_date_and_can_be_overridden():
    assert c.derive_regime(D(2020, 12, 31)) == "2013"
    assert c.derive_regime(D(2023, 12, 31)) == "2013"
    assert c.derive_regime(D(2024, 1, 1)) == "2022"
    x = _campaign(end=D(2020, 12, 31))
    assert x.regime == "2013" and not x.regime_overridden
    y = c.create(
        uuid4(),
        code="X",
        title="t",
        theme="t",
        kind="special",
        start=D(2023, 6, 1),
        end=D(2024, 6, 1),
        launched_by=uuid4(),
        regime="2013",
    )
    assert y.regime == "2013" and y.regime_overridden
    assert c.edit(y, regime=None).regime == "2022"  # back to derived
    assert c.edit(x, end=D(2024, 3, 1)).regime == "2022"  # derived follows the dates
    assert c.derive_regime(D(2024, 6, 1), regime_2022_from=D(2025, 1, 1)) == "2013"


def _campaign(**kw) -> c.Campaign:
    args = dict(
        code="DB-2020",
        title="Đợt thi đua đặc biệt năm 2020",
        theme="Đồng thuận cao, thi đua giỏi, về đích sớm",
        kind="special",
        start=D(2020, 5, 1),
        end=D(2020, 12, 31),
        launched_by=uuid4(),
    )
    args.update(kw)
    return c.create(uuid4(), **args)


def _target(x: c.Campaign, unit, **kw) -> c.Target:
    t = c.Target(
        uuid4(),
        x.campaign_id,
        unit,
        "Thu ngân sách",
        "Tổng thu ngân sách",
        "tỷ đồng",
        1500.0,
        "higher_is_better",
        D(2020, 12, 31),
    )
    return replace(t, **kw)


def test_campaign_completeness_names_every_gap():
    u1, u2 = uuid4(), uuid4()
    x = _campaign(participating_unit_ids=[u1, u2])
    t1 = _target(x, u1)

    def check(targets, **kw):
        args = dict(
            participants={u1: "U1", u2: "U2"},
            targets=targets,
            unit_overlaps=lambda u, s, e: True,
            unit_exists_on=lambda u, d: True,
            blocs_missing=[],
        )
        args.update(kw)
        return c.completeness(x, **args)

    problems = check([t1])
    assert [(v.code, v.detail) for v in problems] == [("no_target", "unit U2 has no target")]
    with pytest.raises(Conflict) as e:
        c.launch(x, problems, D(2020, 5, 1))
    assert e.value.code == "incomplete"
    assert check([t1, _target(x, u2)]) == []
    assert {v.code for v in check([], participants={})} == {"missing"}
    assert {v.code for v in check([t1], unit_exists_on=lambda u, d: False)} >= {"not_valid"}
    assert {v.code for v in check([t1, _target(x, u2)], blocs_missing=[uuid4()])} == {"not_formed"}
    launched = c.launch(x, [], D(2020, 5, 2))
    assert launched.state == "launched"
    with pytest.raises(Conflict):
        c.launch(launched, [], D(2020, 5, 2))
    with pytest.raises(Conflict):
        c.edit(launched, title="x")
    closed = c.close(launched, D(2021, 1, 15), "Hoàn thành")
    with pytest.raises(Conflict):
        c.close(closed, D(2021, 1, 15), None)


def test_targets_rules_and_revisions():
    u1 = uuid4()
    x = _campaign(participating_unit_ids=[u1])
    t = c.assign(x, _target(x, u1), {u1}, [])
    with pytest.raises(Conflict):  # same name for the same unit
        c.assign(x, _target(x, u1), {u1}, [t])
    with pytest.raises(Invalid) as e:
        c.assign(x, _target(x, uuid4(), name="other"), {u1}, [t])
    assert e.value.violations[0].field == "#/unit_id"
    with pytest.raises(Invalid) as e:
        c.assign(x, _target(x, u1, name="n", deadline=D(2021, 1, 1)), {u1}, [t])
    assert e.value.violations[0].field == "#/deadline"
    with pytest.raises(Invalid) as e:
        c.assign(x, _target(x, u1, name="w", weight=-1.0), {u1}, [t])
    assert e.value.violations[0].field == "#/weight"
    # a draft's target is edited in place
    edited = c.revise(x, t, {u1}, [t], target_value=1600.0)
    assert edited.revision == 1 and edited.target_value == 1600.0
    assert c.revise(x, edited, {u1}, [edited], target_value=1600.0) is None
    # a launched campaign's target gets revisions, with a reason
    launched = c.launch(x, [], D(2020, 5, 1))
    with pytest.raises(Invalid):
        c.revise(launched, edited, {u1}, [edited], target_value=1700.0)
    r2 = c.revise(launched, edited, {u1}, [edited], target_value=1700.0, reason="Nghị quyết HĐND")
    assert r2.revision == 2 and r2.reason == "Nghị quyết HĐND"
    closed = c.close(launched, D(2021, 1, 1), None)
    with pytest.raises(Conflict):
        c.revise(closed, r2, {u1}, [r2], target_value=1.0, reason="late")
