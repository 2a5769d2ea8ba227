"""The basis (rõ thẩm quyền) written for a document's tasks: its kind, number and date, and
the kind of document a plan came with when its number says so (issue 15)."""

from __future__ import annotations

from datetime import date

import pytest

from engine.plans.check import plan_basis

ON = date(2026, 4, 23)


@pytest.mark.parametrize(
    ("number", "kind", "basis"),
    [
        ("3838/KH-UBND", "ke_hoach", "Kế hoạch số 3838/KH-UBND ngày 23/04/2026"),
        # A plan issued with a decision carries the decision's number.
        (
            "465/QĐ-UBND",
            "ke_hoach",
            "Kế hoạch ban hành kèm theo Quyết định số 465/QĐ-UBND ngày 23/04/2026",
        ),
        (
            "12/QD-UBND",
            "ke_hoach",
            "Kế hoạch ban hành kèm theo Quyết định số 12/QD-UBND ngày 23/04/2026",
        ),
        ("125/TB-UBND", "thong_bao_ket_luan", "Thông báo kết luận số 125/TB-UBND ngày 23/04/2026"),
        ("88/UBND-VP", "cong_van", "Công văn số 88/UBND-VP ngày 23/04/2026"),
        ("7", "ke_hoach", "Kế hoạch số 7 ngày 23/04/2026"),
        ("", "chi_dao_truc_tiep", "Chỉ đạo tại cuộc họp ngày 23/04/2026"),
    ],
)
def test_plan_basis(number: str, kind: str, basis: str) -> None:
    assert plan_basis(number, ON, kind) == basis


def test_no_basis_without_a_date() -> None:
    assert plan_basis("465/QĐ-UBND", None) == ""
