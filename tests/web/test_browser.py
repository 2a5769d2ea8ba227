"""End to end in Debian's Chromium through Playwright, on a desktop and a phone-sized
window: log in, import a plan, fix a task until all six dimensions are clear, request and
approve an extension, generate and download a report; the config editor, save with an
error and then correctly. Screenshots are kept in ``tests/web/artifacts/<window>/``.

The app runs under uvicorn in a thread on 127.0.0.1 against a temporary SQLite file, on a
fixed clock (10/06/2024) so the plan's 2024 deadlines are still ahead.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine
from web_support import CONFIG, FIXTURES, NOW, PASSWORD, REPO, SETUP, Site

from engine.config import load_configs
from engine.db import make_engine, session_scope
from engine.directory_store import sync_directory
from engine.settings import Settings
from engine.web.app import create_app
from engine.web.configs import STORE_MODULE

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WINDOWS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is not installed (apt-get install chromium)",
    ),
]

_SMTP_SUPPORT = REPO / "tests" / "notifications"
if str(_SMTP_SUPPORT) not in sys.path:
    sys.path.insert(0, str(_SMTP_SUPPORT))

from smtp_support import free_port  # noqa: E402


@dataclass
class Live:
    """The app served on a loopback port, and where its screenshots go."""

    url: str
    site: Site
    shots: Path
    count: int = 0

    def shot(self, page: object, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _serve(engine: Engine, settings: Settings) -> Iterator[str]:
    app = create_app(settings, engine=engine, clock=lambda: NOW)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(params=list(WINDOWS))
def live(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[Live]:
    database = tmp_path / "sauro.db"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    config_dir = tmp_path / "config"
    shutil.copytree(CONFIG, config_dir)
    engine = make_engine(url)
    with session_scope(engine) as session:
        sync_directory(
            session=session, directory=load_configs(config_dir).directory, actor=SETUP, now=NOW
        )
    settings = Settings(
        database_url=url,
        config_dir=config_dir,
        uploads_dir=tmp_path / "uploads",
        reports_dir=tmp_path / "reports",
    )
    site = Site(create_app(settings, engine=engine), engine, settings)
    for username in ("thuongtruc", "truongphong", "chutich", "quantri"):
        site.add(username)
    shots = ARTIFACTS / str(request.param)
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    served = _serve(engine, settings)
    live_site = Live(next(served), site, shots)
    live_site.window = request.param  # type: ignore[attr-defined]
    yield live_site
    next(served, None)
    engine.dispose()


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser: object, live: Live) -> object:
    window = WINDOWS[live.window]  # type: ignore[attr-defined]
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport=window, accept_downloads=True, locale="vi-VN", is_mobile=window["width"] < 500
    )
    return context.new_page()


def _login(page: object, live: Live, username: str) -> None:
    page.goto(f"{live.url}/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def _logout(page: object) -> None:
    page.click("text=Đăng xuất")  # type: ignore[attr-defined]
    page.wait_for_url("**/login")  # type: ignore[attr-defined]


def _open_task(page: object, live: Live, ref: str) -> None:
    page.goto(f"{live.url}/tasks")  # type: ignore[attr-defined]
    page.locator("ul.tasks a", has_text=f"{ref} ").first.click()  # type: ignore[attr-defined]
    page.wait_for_selector(f"h1:has-text('Nhiệm vụ {ref}')")  # type: ignore[attr-defined]


def test_the_main_jobs_in_a_real_browser(browser: object, live: Live) -> None:
    from playwright.sync_api import expect

    page = _page(browser, live)
    _login(page, live, "thuongtruc")
    live.shot(page, "tasks-empty")

    # import a plan: upload, preview with the 6-rõ findings, commit
    page.goto(f"{live.url}/import")  # type: ignore[attr-defined]
    page.set_input_files("input[name=file]", str(FIXTURES / "kien_tuong_3838.docx"))  # type: ignore[attr-defined]
    page.fill("input[name=plan_number]", "3838/KH-UBND")  # type: ignore[attr-defined]
    page.fill("input[name=plan_date]", "2023-12-28")  # type: ignore[attr-defined]
    page.click("text=Tải lên và xem trước")  # type: ignore[attr-defined]
    expect(page.locator("h1")).to_contain_text("Xem trước: 3838/KH-UBND")  # type: ignore[arg-type]
    expect(page.locator("text=Cách sửa:").first).to_be_visible()  # type: ignore[attr-defined]
    live.shot(page, "import-preview")
    page.click("button:has-text('Nhập kế hoạch')")  # type: ignore[attr-defined]
    expect(page.locator("text=Đã nhập 30 nhiệm vụ")).to_be_visible()  # type: ignore[attr-defined]
    live.shot(page, "import-done")

    # fix task 1.6 until all six dimensions are clear
    _open_task(page, live, "1.6")
    expect(page.locator(".card .badge.no").first).to_be_visible()  # type: ignore[attr-defined]
    page.fill("input[name=deadline_text]", "Quý III/2024")  # type: ignore[attr-defined]
    page.select_option("select[name=lead_unit_id]", label="Phòng Nội vụ")  # type: ignore[attr-defined]
    page.select_option("select[name=person_id]", label="Lê Minh Tâm — Phòng Nội vụ")  # type: ignore[attr-defined]
    page.click("text=Lưu sáu rõ")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    expect(page.locator("section.card").first.locator(".badge.ok")).to_have_count(6)  # type: ignore[attr-defined]
    expect(page.locator("section.card").first.locator(".badge.no")).to_have_count(0)  # type: ignore[attr-defined]
    live.shot(page, "task-six-clear")
    _logout(page)

    # the unit head asks for an extension of task 2.1
    _login(page, live, "truongphong")
    _open_task(page, live, "2.1")
    page.fill("input[name=new_due]", "2025-01-31")  # type: ignore[attr-defined]
    page.fill("textarea[name=reason]", "Chờ hướng dẫn của Sở Tư pháp")  # type: ignore[attr-defined]
    page.click("text=Gửi đề nghị gia hạn")  # type: ignore[attr-defined]
    expect(page.locator("text=đang chờ quyết định")).to_be_visible()  # type: ignore[attr-defined]
    live.shot(page, "extension-requested")
    _logout(page)

    # the Chairman sees it on the dashboard and approves it
    _login(page, live, "chutich")
    expect(page.locator("h1")).to_contain_text("Bảng điều hành")  # type: ignore[arg-type]
    live.shot(page, "dashboard")
    page.click("a:has-text('Nhiệm vụ 2.1')")  # type: ignore[attr-defined]
    page.fill("textarea[name=note]", "Đồng ý gia hạn")  # type: ignore[attr-defined]
    page.click("button:has-text('Phê duyệt')")  # type: ignore[attr-defined]
    expect(page.locator("text=được phê duyệt")).to_be_visible()  # type: ignore[attr-defined]
    expect(page.locator("text=gia hạn từ 04/12/2024")).to_be_visible()  # type: ignore[attr-defined]
    live.shot(page, "extension-approved")
    _logout(page)

    # the standing office generates the period report and downloads it
    _login(page, live, "thuongtruc")
    page.goto(f"{live.url}/reports?period=2024-H1")  # type: ignore[attr-defined]
    page.click("text=Lập báo cáo (.docx)")  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("a:has-text('bao-cao-kien-tuong-2024-H1.docx')")  # type: ignore[attr-defined]
    download = info.value
    saved = live.shots / download.suggested_filename
    download.save_as(str(saved))
    assert saved.read_bytes().startswith(b"PK")
    live.shot(page, "reports")


@pytest.mark.skipif(
    importlib.util.find_spec(STORE_MODULE) is None,
    reason="engine.config_store (branch config-editor) is not merged yet",
)
def test_config_editor_in_a_real_browser(browser: object, live: Live) -> None:
    from playwright.sync_api import expect

    page = _page(browser, live)
    _login(page, live, "quantri")
    page.goto(f"{live.url}/configs/escalation.yaml")  # type: ignore[attr-defined]
    area = page.locator("textarea[name=text]")  # type: ignore[attr-defined]
    good = area.input_value()
    area.fill(good.replace("offset: 3", "offset: 3 ngày", 1))
    page.click("text=Kiểm tra và xem tác động")  # type: ignore[attr-defined]
    expect(page.locator(".error")).to_contain_text("Dòng")  # type: ignore[attr-defined]
    live.shot(page, "config-error")
    page.locator("textarea[name=text]").fill(good)  # type: ignore[attr-defined]
    page.click("text=Kiểm tra và xem tác động")  # type: ignore[attr-defined]
    expect(page.locator(".notice")).to_contain_text("Tác động nếu lưu")  # type: ignore[attr-defined]
    page.click("button:has-text('Lưu')")  # type: ignore[attr-defined]
    expect(page.locator(".notice")).to_contain_text("Đã lưu phiên bản")  # type: ignore[attr-defined]
    live.shot(page, "config-saved")
