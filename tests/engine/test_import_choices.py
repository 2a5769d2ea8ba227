"""``sauro import`` never guesses the organization a plan goes into, and refuses a plan
year no plan can have: a Vietnamese error naming the option, exit 2, nothing written."""

from __future__ import annotations

import pytest
from sauro_support import FIXTURES, PLAN_OPTIONS, Sauro, snapshot

PLAN = FIXTURES / "kien_tuong_3838_pl2.csv"
NUMBERED = ("--plan-number", "3838/KH-UBND", "--plan-date", "2023-12-28")


def test_import_without_org_refuses_a_database_of_several_organizations(loaded: Sauro) -> None:
    before = snapshot(loaded.url)

    result = loaded("import", PLAN, *NUMBERED)

    assert result.exit_code == 2, result.output
    assert "Cơ sở dữ liệu có 2 tổ chức: hãy ghi --org" in result.output
    assert "Ủy ban nhân dân thị xã Kiến Tường: --org kien-tuong" in result.output
    assert "Ủy ban nhân dân xã Xuân Dương: --org xuan-duong" in result.output
    assert snapshot(loaded.url) == before


def test_import_with_org_goes_into_that_organization(loaded: Sauro) -> None:
    result = loaded.ok("import", PLAN, *PLAN_OPTIONS)

    assert "vào Ủy ban nhân dân thị xã Kiến Tường (kế hoạch" in result.output
    assert "kien-tuong" not in result.output


@pytest.mark.parametrize("year", ["1999", "2101", "20260", "0"])
def test_a_year_outside_2000_2100_is_refused(loaded: Sauro, year: str) -> None:
    before = snapshot(loaded.url)

    result = loaded("import", PLAN, *PLAN_OPTIONS, "--year", year)

    assert result.exit_code == 2, result.output
    assert f"Năm kế hoạch {year} không hợp lệ" in result.output
    assert "--year: cần một năm từ 2000 đến 2100" in result.output
    assert snapshot(loaded.url) == before
