"""Forms that behave: a save answers with a redirect (post/redirect/get) and a message shown
once; a refused form comes back with what the user typed and the error; destructive actions
ask for confirmation and are not the primary button; multi-line texts stay multi-line."""

from __future__ import annotations

import base64
import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from web_support import Site, edit_form, followed, login

from engine.store.models import Plan, Task


def _client(site: Site, username: str) -> tuple[TestClient, str]:
    site.add(username)
    client = site.client()
    return client, login(client, username)


def _text(response_text: str) -> str:
    return unescape(response_text)


@pytest.mark.parametrize(
    ("username", "path", "form", "message"),
    [
        ("canbo", "/tasks/{task}/progress", {"percent": "30", "note": "Đã họp"},
         "Đã ghi báo cáo tiến độ."),
        ("truongphong", "/tasks/{task}/extension",
         {"new_due": "2025-01-31", "reason": "Chờ hướng dẫn"}, "Đã gửi đề nghị gia hạn."),
        ("canbo", "/account/preferences", {"channel": "email", "email_mode": "digest"},
         "Đã lưu cách nhận thông báo."),
        ("canbo", "/notices/read", {}, "Đã đánh dấu đã đọc."),
        ("thuongtruc", "/plans/{plan}/withdraw", {"reason": "Nhập nhầm tệp"},
         "Đã rút văn bản và các nhiệm vụ của nó."),
    ],
    ids=["progress", "extension", "preferences", "notices", "withdraw"],
)  # fmt: skip
def test_a_save_redirects_and_says_so_once(
    site: Site, username: str, path: str, form: dict[str, str], message: str
) -> None:
    client, csrf = _client(site, username)
    with Session(site.engine) as session:
        plan_id = session.exec(select(Plan.id)).one()
    url = path.format(task=site.task_id("2.1"), plan=plan_id)

    response = client.post(url, data={**form, "csrf_token": csrf})

    assert response.status_code == 303, response.text  # a refresh does not send it again
    shown = followed(client, response)
    assert shown.status_code == 200 and message in _text(shown.text)
    assert message not in _text(client.get(response.headers["location"]).text)  # only once


def test_a_forged_message_cookie_is_not_shown(site: Site) -> None:
    client, _ = _client(site, "canbo")
    forged = base64.urlsafe_b64encode("Hãy gọi ngay số 0900 000 000".encode()).decode()
    client.cookies.set("sauro_flash", f"{forged}.{'0' * 64}")
    assert "0900 000 000" not in client.get("/account").text


def test_a_refused_task_form_keeps_what_was_typed(site: Site) -> None:
    client, csrf = _client(site, "canbo")
    task_id = site.task_id("2.1")
    note = "Dòng một của ghi chú\nDòng hai"

    refused = client.post(
        f"/tasks/{task_id}/progress", data={"percent": "mười", "note": note, "csrf_token": csrf}
    )
    too_long = client.post(
        f"/tasks/{task_id}/extension",
        data={"new_due": "2025-01-31", "reason": "x" * 2001, "csrf_token": csrf},
    )

    assert refused.status_code == 400
    assert "Tỷ lệ hoàn thành phải là số từ 0 đến 100." in refused.text
    assert 'value="mười"' in refused.text
    assert f'maxlength="4000">{note}</textarea>' in _text(refused.text)
    assert too_long.status_code == 400 and 'value="2025-01-31"' in too_long.text
    assert "lý do gia hạn: dài 2.001 ký tự, tối đa 2.000 ký tự" in _text(too_long.text)


def test_a_refused_edit_keeps_the_typed_six_dimensions(site: Site) -> None:
    client, csrf = _client(site, "thuongtruc")
    form = {**edit_form(site, "1.6"), "csrf_token": csrf}
    form |= {"work": "   ", "product": "Báo cáo\nPhụ lục", "deadline_text": "Quý III/2024"}
    refused = client.post(f"/tasks/{site.task_id('1.6')}/edit", data=form)
    assert refused.status_code == 400
    page = _text(refused.text)
    assert "chưa ghi nội dung nhiệm vụ" in page
    assert 'name="deadline_text" value="Quý III/2024"' in page
    assert ">Báo cáo\nPhụ lục</textarea>" in page


def test_the_import_form_keeps_the_plan_number_and_date(site: Site) -> None:
    client, csrf = _client(site, "thuongtruc")
    refused = client.post(
        "/import",
        data={"csrf_token": csrf, "plan_number": "3838/KH-UBND", "plan_date": "2023-12-28",
              "year": "2024", "kind": "ke_hoach", "register_units": "on"},
    )  # fmt: skip
    assert refused.status_code == 400
    page = refused.text
    assert 'role="alert"' in page
    assert 'name="plan_number" value="3838/KH-UBND"' in page
    assert 'name="plan_date" value="2023-12-28"' in page
    assert 'value="2024"' in page and '<option value="ke_hoach" selected>' in page
    assert 'name="register_units" checked' in page


@pytest.mark.parametrize(
    ("username", "path", "action"),
    [
        ("quantri", "/accounts", "/accounts/canbo/active"),
        ("thuongtruc", "/plans/{plan}", "/plans/{plan}/withdraw"),
        ("thuongtruc", "/directory/people/{person}", "/directory/people/{person}/leave"),
    ],
    ids=["lock account", "withdraw plan", "person left"],
)
def test_destructive_actions_ask_first_and_are_not_primary(
    site: Site, username: str, path: str, action: str
) -> None:
    client, _ = _client(site, username)
    site.add("canbo")
    with Session(site.engine) as session:
        plan_id = session.exec(select(Plan.id)).one()
        person_id = session.exec(select(Task.person_id).where(Task.ref == "2.1")).first()
    ids = {"plan": plan_id, "person": person_id}
    page = client.get(path.format(**ids)).text
    form = re.search(
        rf'<details class="confirm"><summary>[^<]+…</summary><form method="post" '
        rf'action="{re.escape(action.format(**ids))}".*?</form></details>',
        page,
        re.S,
    )
    assert form, page
    assert '<button type="submit" class="danger">' in form.group(0)


def test_a_config_rollback_asks_first(site: Site) -> None:
    client, csrf = _client(site, "quantri")
    page = client.get("/configs/escalation.yaml")
    match = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert match
    saved = client.post(
        "/configs/escalation.yaml",
        data={"csrf_token": csrf, "action": "save", "text": unescape(match.group(1))},
    )
    number = re.search(r"Đã lưu phiên bản (\d+)\.", followed(client, saved).text)
    assert number
    shown = client.get("/configs/escalation.yaml").text
    assert '<details class="confirm"><summary>Khôi phục…</summary>' in shown
    assert f'class="danger">Khôi phục phiên bản {number.group(1)}</button>' in shown


def test_multi_line_texts_are_edited_and_shown_as_typed(site: Site) -> None:
    client, csrf = _client(site, "thuongtruc")
    task_id = site.task_id("1.6")
    product = "Kế hoạch của UBND\nBáo cáo kết quả\nPhụ lục số liệu"
    form = {**edit_form(site, "1.6"), "csrf_token": csrf, "product": product}
    followed(client, client.post(f"/tasks/{task_id}/edit", data=form))
    with Session(site.engine) as session:
        task = session.get(Task, task_id)
        assert task is not None and task.product == product
    page = _text(client.get(f"/tasks/{task_id}").text)
    assert "Sản phẩm: Kế hoạch của UBND<br>Báo cáo kết quả<br>Phụ lục số liệu" in page
    assert f'<textarea name="product" rows="3" maxlength="4000">{product}</textarea>' in page


def test_a_refused_directory_form_keeps_what_was_typed(site: Site) -> None:
    client, csrf = _client(site, "thuongtruc")
    with Session(site.engine) as session:
        person_id = session.exec(select(Task.person_id).where(Task.ref == "2.1")).first()
    typed = {"name": "Đỗ Văn Mới", "title": "Chuyên viên", "email": "khong-hop-le",
             "phone": "0912 000 111"}  # fmt: skip

    added = client.post("/directory/people", data={**typed, "unit_id": "1", "csrf_token": csrf})
    edited = client.post(f"/directory/people/{person_id}", data={**typed, "csrf_token": csrf})

    for refused in (added, edited):
        assert refused.status_code == 400
        page = _text(refused.text)
        assert 'value="Đỗ Văn Mới"' in page and 'value="khong-hop-le"' in page
        assert 'value="0912 000 111"' in page
