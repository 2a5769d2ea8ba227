"""Hostile uploads on the web (issue 14, items 1 and 2): a file that crosses a bound is a
located 400, nothing written and nothing left staged; a large plan is parsed off the event
loop, so other users' pages answer meanwhile, and an organization imports one plan at a
time (a second gets a 409)."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import uvicorn
from sqlmodel import Session, select
from web_support import ACCOUNTS, FIXTURES, REPO, Site, login

from engine.store.models import Plan, UserRole

_ENGINE_TESTS = REPO / "tests" / "engine"
if str(_ENGINE_TESTS) not in sys.path:
    sys.path.insert(0, str(_ENGINE_TESTS))

import hostile_files  # noqa: E402

_NOTIFICATIONS = REPO / "tests" / "notifications"
if str(_NOTIFICATIONS) not in sys.path:
    sys.path.insert(0, str(_NOTIFICATIONS))

from smtp_support import free_port  # noqa: E402

PLAN_FORM = {"plan_number": "38/KH-UBND", "plan_date": "2024-01-15"}


def _bench() -> ModuleType:
    """tests/bench/import_bench.py, whose generator writes a large plan."""
    spec = importlib.util.spec_from_file_location(
        "import_bench", REPO / "tests/bench/import_bench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_bench"] = module
    spec.loader.exec_module(module)
    return module


def _staged(site: Site) -> list[Path]:
    folder = site.settings.uploads_dir / "imports"
    return list(folder.iterdir()) if folder.exists() else []


def _plans(site: Site) -> list[str]:
    with Session(site.engine) as session:
        return list(session.exec(select(Plan.key)))


@pytest.mark.parametrize("name", ["nul.csv", "laughs.docx", "xxe.xlsx", "cell.csv"])
def test_the_api_refuses_a_hostile_plan_located_and_keeps_nothing(
    site: Site, tmp_path: Path, name: str
) -> None:
    hostile = next(h for h in hostile_files.CORPUS if h.name == name)
    content = hostile.make(tmp_path / name).read_bytes()
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    plans = _plans(site)

    response = client.post(
        "/api/imports",
        data=PLAN_FORM,
        files={"file": (name, content, "application/octet-stream")},
        headers={"X-CSRF-Token": csrf},
    )

    assert response.status_code == 400, response.text
    body = response.json()
    assert f"Không đọc được tệp {name}" in body["detail"]
    assert hostile.refused in body["detail"]
    assert body["problems"][0]["file"] == name
    assert _staged(site) == []
    assert _plans(site) == plans


def test_the_import_page_refuses_a_nul_in_a_csv_cell_at_preview(site: Site, tmp_path: Path) -> None:
    content = hostile_files.csv_nul(tmp_path / "nul.csv").read_bytes()
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    staged = client.post(
        "/import",
        data={**PLAN_FORM, "csrf_token": csrf},
        files={"file": ("nul.csv", content, "text/csv")},
    )

    preview = client.get(staged.headers["location"])

    assert preview.status_code == 400
    assert "có ký tự NUL" in preview.text
    assert "nul.csv, dòng 302" in preview.text  # past what the upload check sniffs
    assert _staged(site) == []


# -- a large plan parsed off the event loop ------------------------------------------------


@pytest.fixture
def live(site: Site) -> Iterator[str]:
    """The site's app served by uvicorn on a free loopback port, in a thread."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


def test_other_users_are_answered_while_a_large_plan_is_parsed(
    site: Site, live: str, tmp_path: Path
) -> None:
    bench = _bench()
    plan = tmp_path / "ke_hoach_lon.docx"
    bench.write_docx(plan, bench.plan_rows(8_000))
    site.add("thuongtruc")
    uploader = httpx.Client(base_url=live, timeout=120)
    csrf = login(uploader, "thuongtruc")  # type: ignore[arg-type]
    answers: list[httpx.Response] = []

    def upload() -> None:
        answers.append(
            uploader.post(
                "/api/imports",
                data=PLAN_FORM,
                files={"file": (plan.name, plan.read_bytes(), "application/octet-stream")},
                headers={"X-CSRF-Token": csrf},
            )
        )

    parsing = threading.Thread(target=upload)
    parsing.start()
    deadline = time.monotonic() + 30
    while not _staged(site) and time.monotonic() < deadline:  # staged: its parse begins
        time.sleep(0.01)
    time.sleep(0.2)
    with httpx.Client(base_url=live, timeout=30) as other:
        start = time.monotonic()
        page = other.get("/login")
        waited = time.monotonic() - start
        still_parsing = parsing.is_alive()
        second = httpx.Client(base_url=live, timeout=30, cookies=uploader.cookies)
        again = second.post(
            "/api/imports",
            data=PLAN_FORM,
            files={"file": ("lai.csv", b"TT,Nhiem vu\n1,x\n", "text/csv")},
            headers={"X-CSRF-Token": csrf},
        )
        second.close()
    parsing.join(timeout=120)
    uploader.close()

    assert page.status_code == 200 and "Đăng nhập" in page.text
    assert still_parsing, "the plan was parsed before /login was asked: make it larger"
    assert waited < 1.0, f"/login waited {waited:.2f} s behind the parse"
    assert again.status_code == 409, again.text
    assert "Đơn vị đang đọc hoặc nhập một tệp kế hoạch khác" in again.json()["detail"]
    assert answers[0].status_code == 200, answers[0].text
    assert len(answers[0].json()["tasks"]) == 8_000


def test_a_commit_of_another_account_s_upload_leaves_it_staged(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ACCOUNTS, "thuongtruc2", (UserRole.STANDING_OFFICE, None))
    site.add("thuongtruc")
    site.add("thuongtruc2")
    owner = site.client()
    csrf = login(owner, "thuongtruc")
    staged = owner.post(
        "/import",
        data={**PLAN_FORM, "csrf_token": csrf},
        files={"file": ("kh.csv", (FIXTURES / "kien_tuong_3838_pl2.csv").read_bytes(), "text/csv")},
    )
    token = staged.headers["location"].rsplit("/", 1)[1]
    other = site.client()
    other_csrf = login(other, "thuongtruc2")

    refused = other.post(f"/api/imports/{token}/commit", headers={"X-CSRF-Token": other_csrf})

    assert refused.status_code == 400
    assert "thuộc tài khoản khác" in refused.json()["detail"]
    assert [folder.name for folder in _staged(site)] == [token]
