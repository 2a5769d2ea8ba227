"""The workbooks the web app hands out keep user text as text (issue 14), on both
databases: the 6-rõ check of the task list, a unit's report form and the period report's
annex, each from tasks whose work reads like a formula."""

from __future__ import annotations

from sheet_support import HOSTILE, holds_every_hostile, make_works_hostile, text_cells
from web_support import ORG, Site, login

from engine.reports.annex import SHEET_OVERDUE


def test_the_check_workbook_download_keeps_formula_like_work_as_text(site: Site) -> None:
    make_works_hostile(site.engine, ORG)
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")

    response = client.get("/tasks/kiem-tra-6-ro.xlsx")

    assert response.status_code == 200, response.text
    assert holds_every_hostile(text_cells(response.content)["Tổng hợp 6 rõ"])


def test_the_unit_form_download_keeps_formula_like_work_as_text(site: Site) -> None:
    make_works_hostile(site.engine, ORG)
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")

    works: list[str] = []
    for unit in ("phong-noi-vu", "phong-tu-phap"):
        response = client.get(f"/unit-reports/2024-H1/{unit}/form")
        assert response.status_code == 200, response.text
        works += text_cells(response.content)["Báo cáo"]

    assert set(HOSTILE) <= set(works)


def test_the_annex_download_keeps_formula_like_work_as_text(site: Site) -> None:
    make_works_hostile(site.engine, ORG)
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    made = client.post("/api/reports", json={"period": "2024-H1"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 200, made.text

    annex = client.get(made.json()["files"][-1])

    assert annex.status_code == 200
    assert set(text_cells(annex.content)[SHEET_OVERDUE]) & set(HOSTILE)
