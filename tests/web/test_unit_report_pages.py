"""Unit reports on the web, on both databases: a unit head downloads its unit's form for
6 tháng đầu năm 2024 and returns it filled; a form of another unit, a form with mistakes
and a file that is no form are refused with the reason, nothing written; the standing
office returns any unit's form; the same through the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from form_support import fill
from sauro_support import snapshot
from sqlmodel import Session, col, select
from web_support import FIXTURES, Site, login

from engine.reports.unit_forms import COL_DATE, COL_EVIDENCE, COL_RESULT, COL_STATUS, DONE
from engine.store.models import Task, TaskState, Unit, UnitReport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DONE_ROW = {
    COL_STATUS: DONE,
    COL_RESULT: "Đã ban hành kế hoạch rà soát văn bản",
    COL_EVIDENCE: "Kế hoạch số 12/KH-PTP ngày 05/06/2024",
    COL_DATE: "05/06/2024",
}


def _download(client: TestClient, unit: str, folder: Path) -> Path:
    response = client.get(f"/unit-reports/2024-H1/{unit}/form")
    assert response.status_code == 200, response.text
    path = folder / f"bao-cao-kien-tuong-2024-H1-{unit}.xlsx"
    path.write_bytes(response.content)
    return path


def _upload(client: TestClient, csrf: str, path: Path, name: str | None = None) -> str:
    with path.open("rb") as handle:
        response = client.post(
            "/unit-reports?period=2024-H1",
            data={"csrf_token": csrf},
            files={"file": (name or path.name, handle, XLSX)},
        )
    return f"{response.status_code}\n{response.text}"


def _submitted(site: Site, unit: str) -> bool:
    with Session(site.engine) as session:
        row = session.exec(
            select(UnitReport)
            .join(Unit, col(Unit.id) == col(UnitReport.unit_id))
            .where(col(Unit.code) == unit)
        ).first()
    return row is not None and row.submitted_at is not None


def _state(site: Site, ref: str) -> str:
    with Session(site.engine) as session:
        return session.exec(select(Task.state).where(Task.ref == ref)).one()


def test_a_unit_head_returns_its_form(site: Site, tmp_path: Path) -> None:
    site.add("truongphong")
    client = site.client()
    csrf = login(client, "truongphong")

    page = client.get("/unit-reports").text
    assert "Phòng Tư pháp" in page and "Phòng Nội vụ" not in page
    form = _download(client, "phong-tu-phap", tmp_path)
    answer = _upload(client, csrf, fill(form, {"2.1": DONE_ROW}))

    assert answer.startswith("303"), answer
    answer = client.get("/unit-reports?period=2024-H1").text
    assert "Đã ghi nhận biểu của Phòng Tư pháp: 1 nhiệm vụ hoàn thành" in answer
    assert _state(site, "2.1") == TaskState.DONE
    assert _submitted(site, "phong-tu-phap")


def test_a_unit_head_gets_and_returns_no_other_units_form(site: Site, tmp_path: Path) -> None:
    site.add("thuongtruc")
    office = site.client()
    login(office, "thuongtruc")
    other = fill(_download(office, "phong-noi-vu", tmp_path), {"1.1": DONE_ROW})
    site.add("truongphong")
    client = site.client()
    csrf = login(client, "truongphong")
    before = snapshot(site.settings.database_url)

    assert client.get("/unit-reports/2024-H1/phong-noi-vu/form").status_code == 403
    answer = _upload(client, csrf, other)

    assert answer.startswith("403") and "không nộp được biểu của đơn vị" in answer
    assert snapshot(site.settings.database_url) == before


def test_a_form_with_mistakes_is_refused_by_row_and_column(site: Site, tmp_path: Path) -> None:
    site.add("truongphong")
    client = site.client()
    csrf = login(client, "truongphong")
    form = _download(client, "phong-tu-phap", tmp_path)
    wrong = fill(form, {"2.1": {COL_STATUS: DONE}, "2.2": {COL_STATUS: "Xong rồi"}})
    before = snapshot(site.settings.database_url)

    answer = _upload(client, csrf, wrong)

    assert answer.startswith("400"), answer
    assert "chưa ghi nhận nội dung nào" in answer
    assert f"cột {COL_RESULT}" in answer and f"cột {COL_STATUS}" in answer and "dòng " in answer
    assert snapshot(site.settings.database_url) == before


def test_a_file_that_is_no_form_is_refused(site: Site, tmp_path: Path) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    renamed = tmp_path / "bieu.xlsx"
    renamed.write_bytes((FIXTURES / "kien_tuong_3838.docx").read_bytes())

    not_xlsx = _upload(client, csrf, renamed)
    plan = _upload(client, csrf, FIXTURES / "kien_tuong_3838_pl2.xlsx")

    assert not_xlsx.startswith("400") and "không phải Excel (.xlsx)" in not_xlsx
    assert plan.startswith("400") and "không phải biểu báo cáo của đơn vị" in plan


def test_the_standing_office_returns_a_units_form_through_the_api(
    site: Site, tmp_path: Path
) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")

    listed = client.get("/api/unit-reports", params={"period": "2024-H1"}).json()
    assert {f["unit"] for f in listed["forms"]} >= {"phong-noi-vu", "phong-tu-phap"}
    form = _download(client, "phong-tu-phap", tmp_path)
    wrong = fill(form, {"2.1": {COL_STATUS: DONE}})
    with wrong.open("rb") as handle:
        refused = client.post("/api/unit-reports", headers={"X-CSRF-Token": csrf},
                              files={"file": (wrong.name, handle, XLSX)})  # fmt: skip
    good = fill(form, {"2.1": DONE_ROW})
    with good.open("rb") as handle:
        taken = client.post("/api/unit-reports", headers={"X-CSRF-Token": csrf},
                            files={"file": (good.name, handle, XLSX)})  # fmt: skip

    assert refused.status_code == 400
    problems = refused.json()["problems"]
    assert {p["column"] for p in problems} == {COL_RESULT, COL_EVIDENCE, COL_DATE}
    assert all(isinstance(p["row"], int) for p in problems)
    assert taken.status_code == 200 and taken.json()["completed"] == 1
    assert _submitted(site, "phong-tu-phap")


def test_an_unknown_period_shows_the_current_one_with_the_reason(site: Site) -> None:
    site.add("truongphong")
    client = site.client()
    login(client, "truongphong")

    page = client.get("/unit-reports", params={"period": "2024-Q5"})

    assert page.status_code == 400
    assert "không phải kỳ báo cáo" in page.text and "6 tháng đầu năm 2024" in page.text
