"""An assigning document's text through the web: pasted (or uploaded as .txt), previewed
with the words each task was read from and the paragraphs set aside, corrected (edited,
dropped, added), imported in one transaction as the document's tasks; uploaded again, the
same document (number and date) updates its tasks; and the same through the JSON API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from web_support import FIXTURES, Site, followed, login

from engine.store.models import AuditLog, Plan, Task, TaskState

NOTICE = (FIXTURES / "kien_tuong_45_tb.txt").read_text(encoding="utf-8")


def _client(site: Site) -> tuple[TestClient, str]:
    site.add("thuongtruc")
    client = site.client()
    return client, login(client, "thuongtruc")


def _tasks(site: Site) -> dict[str, Task]:
    with Session(site.engine) as session:
        plan = session.exec(select(Plan).where(Plan.key == "45/TB-UBND")).one()
        rows = session.exec(select(Task).where(Task.plan_id == plan.id)).all()
        return {t.ref: t for t in rows}


def _rows_form(preview: dict[str, Any], drop: set[int], csrf: str) -> dict[str, Any]:
    tasks = preview["tasks"]
    form: dict[str, Any] = {
        "ref": [t["ref"] for t in tasks] + ["9"],
        "work": [t["work"] for t in tasks] + ["Tổng hợp kết quả thực hiện Thông báo này"],
        "lead": [t["responsibility"]["lead_text"] for t in tasks] + ["Phòng Nội vụ"],
        "coordinators": [t["responsibility"]["coordinators_text"] for t in tasks] + [""],
        "deadline": [t["deadline"]["phrase"] for t in tasks] + ["trước ngày 05/7/2024"],
        "product": [t["result"]["product"] for t in tasks] + ["Báo cáo"],
        "person": [t["person"]["text"] for t in tasks] + [""],
        "words": [t["raw"].get("Đọc từ", "") for t in tasks] + [""],
        "drop": [str(i) for i in sorted(drop)],
        "csrf_token": csrf,
    }
    return form


def test_paste_correct_and_import_a_conclusion_notice(site: Site) -> None:
    client, csrf = _client(site)
    staged = client.post("/import", data={"text": NOTICE, "csrf_token": csrf})
    assert staged.status_code == 303, staged.text
    url = staged.headers["location"]
    page = client.get(url).text
    assert "Xem trước: 45/TB-UBND" in page
    assert "Thông báo kết luận số 45/TB-UBND ngày 05/06/2024" in page
    assert "Đọc từ (dòng 16)" in page and "Không đọc là nhiệm vụ" in page
    token = url.rsplit("/", 1)[-1]
    preview = client.get(f"/api/imports/{token}").json()
    assert preview["kind"] == "thong_bao_ket_luan" and len(preview["tasks"]) == 8
    drop = {i for i, t in enumerate(preview["tasks"]) if t["ref"] in {"7", "8"}}
    edited = client.post(f"{url}/rows", data=_rows_form(preview, drop, csrf))
    assert edited.status_code == 303
    assert len(client.get(f"/api/imports/{token}").json()["tasks"]) == 7
    done = followed(client, client.post(f"{url}/commit", data={"csrf_token": csrf}))
    assert "Đã nhập 7 nhiệm vụ: thêm mới 7" in done.text
    tasks = _tasks(site)
    assert sorted(tasks) == ["1", "2", "3", "4", "5", "6", "9"]
    first = tasks["1"]
    assert first.lead_text == "Phòng Tư pháp" and first.coordinators_text == "Phòng Nội vụ"
    assert (
        first.due_date is not None and first.due_date.isoformat() == "2024-06-27"
    )  # the day before
    assert "Thông báo kết luận" in client.get(f"/tasks/{first.id}").text


def test_the_same_document_again_updates_its_tasks(site: Site) -> None:
    client, csrf = _client(site)
    for text in (NOTICE, NOTICE.replace("trước ngày 25/6/2024", "trước ngày 27/6/2024")):
        staged = client.post("/import", data={"text": text, "csrf_token": csrf})
        client.post(f"{staged.headers['location']}/commit", data={"csrf_token": csrf})
    tasks = _tasks(site)
    assert len(tasks) == 8 and tasks["2"].due_date is not None
    assert tasks["2"].due_date.isoformat() == "2024-06-26"  # "trước ngày 27/6"
    with Session(site.engine) as session:
        updates = session.exec(
            select(AuditLog).where(
                AuditLog.entity == "task",
                AuditLog.entity_id == tasks["2"].id,
                col(AuditLog.action) == "update",
            )
        ).all()
    assert any(u.field == "due_date" for u in updates)
    assert all(t.state == TaskState.OPEN for t in tasks.values())


def test_the_api_takes_the_text_and_the_corrected_rows(site: Site) -> None:
    client, csrf = _client(site)
    headers = {"X-CSRF-Token": csrf}
    staged = client.post(
        "/api/imports", data={"text": NOTICE, "kind": "thong_bao_ket_luan"}, headers=headers
    )
    assert staged.status_code == 200, staged.text
    body = staged.json()
    assert body["plan"] == "45/TB-UBND" and body["skipped"]
    rows = [
        {"ref": "1", "work": "Rà soát văn bản quy phạm pháp luật năm 2023",
         "lead": "Phòng Tư pháp", "deadline": "trước ngày 28/6/2024", "product": "Báo cáo"},
    ]  # fmt: skip
    again = client.put(f"/api/imports/{body['token']}/rows", json=rows, headers=headers)
    assert again.status_code == 200, again.text
    assert [t["ref"] for t in again.json()["tasks"]] == ["1"]
    done = client.post(f"/api/imports/{body['token']}/commit", headers=headers)
    assert done.status_code == 200 and done.json()["created"] == 1


def test_nothing_to_import_is_said_and_nothing_kept(site: Site) -> None:
    client, csrf = _client(site)
    empty = client.post("/import", data={"text": "   ", "csrf_token": csrf})
    assert empty.status_code == 400 and "chưa dán nội dung văn bản" in empty.text
    staged = client.post(
        "/import", data={"text": "UBND xã đánh giá cao các đơn vị.", "csrf_token": csrf}
    )
    refused = client.get(staged.headers["location"])
    assert refused.status_code == 400
    assert "Không tìm thấy nhiệm vụ được giao nào" in refused.text
