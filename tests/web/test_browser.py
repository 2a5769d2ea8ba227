"""End to end in Debian's Chromium through Playwright, on a desktop and a phone-sized
window: log in, import a plan, fix a task until all six dimensions are clear, request and
approve an extension, generate and download a report; the config editor, save with an
error and then correctly; every page as every role, read for English, internal codes and raw
JSON. Screenshots are kept in ``$SAURO_BROWSER_ARTIFACTS/<window>/<test>/`` (default
``<tmp>/sauro-browser``; the walk prints where).

The app runs under uvicorn in a thread on 127.0.0.1 against a temporary SQLite file, on a
fixed clock (10/06/2024) so the plan's 2024 deadlines are still ahead.
"""

from __future__ import annotations

import re
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import Engine
from sqlmodel import Session, select
from web_support import (
    ARTIFACTS,
    CONFIG,
    FIXTURES,
    NOW,
    PASSWORD,
    REPO,
    ROLE_ACCOUNT,
    SETUP,
    Site,
    load_kien_tuong,
)

from engine.calendar.deadlines import DeadlineKind
from engine.calendar.status import TaskStatus
from engine.configs.files import Configs, load_configs
from engine.configs.settings import Settings
from engine.directory.store import sync_directory
from engine.store.db import make_engine, session_scope
from engine.store.models import (
    ExtensionStatus,
    Organization,
    OrgLevel,
    Person,
    PersonRole,
    Plan,
    ReportState,
    Task,
    TaskState,
    Unit,
    UnitKind,
    UnitRole,
    UserRole,
)
from engine.tasks.actions import record_progress
from engine.tasks.edits import TaskEdit, edit_task
from engine.web.app import create_app
from engine.web.policy import MATRIX, Action
from notifications.smtp_settings import SmtpSettings
from notifications.zalo_settings import ZaloSettings

CHROMIUM = Path("/usr/bin/chromium")

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WINDOWS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is not installed (apt-get install chromium)",
    ),
]

_SMTP_SUPPORT = REPO / "tests" / "notifications"
if str(_SMTP_SUPPORT) not in sys.path:
    sys.path.insert(0, str(_SMTP_SUPPORT))

from fake_zns import APP_ID, SECRET_KEY, FakeZns, FakeZnsServer  # noqa: E402
from reminder_support import mail_server  # noqa: E402
from smtp_support import SmtpTestServer, free_port  # noqa: E402


@dataclass
class Live:
    """The app served on a loopback port, and where its screenshots go."""

    url: str
    site: Site
    shots: Path
    window: str
    count: int = 0

    def shot(self, page: Page, name: str) -> None:
        self.count += 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WINDOWS[self.window]["width"], f"{name}: {width}px wide, scrolls sideways"
        page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"), full_page=True)


@contextmanager
def _serve(
    engine: Engine,
    settings: Settings,
    *,
    port: int | None = None,
    smtp: SmtpSettings | None = None,
    zalo: ZaloSettings | None = None,
) -> Iterator[str]:
    """The app under uvicorn in a thread on a free loopback port, until the block ends;
    notices due at once go to ``smtp`` (default: ``.eml`` files beside the uploads)."""
    outbox = SmtpSettings(smtp_host="", outbox_dir=settings.uploads_dir.parent / "outbox")
    app = create_app(settings, engine=engine, clock=lambda: NOW, smtp=smtp or outbox, zalo=zalo)
    port = port or free_port()
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
    app.state.mailer.close()


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
    site = Site(create_app(settings, engine=engine), engine, settings)  # accounts, ids
    for username in ROLE_ACCOUNT.values():
        site.add(username)
    shots = ARTIFACTS / str(request.param) / request.node.originalname.removeprefix("test_")
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    with _serve(engine, settings) as url_served:
        yield Live(url_served, site, shots, str(request.param))
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for all the browser tests, which are this module's, run on one xdist
    worker (``xdist_group``): launched once per run. Every test opens its own context, a
    fresh profile: no cookies, storage or cache carry over. Not session-scoped: between its
    calls the sync API leaves its event loop marked as running in the thread, and every
    later ``asyncio.run`` of the worker would refuse to start; the module's end stops it."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _close_contexts(browser: Browser) -> Iterator[None]:
    """The contexts a test opened are closed after it, whatever its outcome."""
    yield
    for context in browser.contexts:
        context.close()


def _page(browser: Browser, live: Live) -> Page:
    window = WINDOWS[live.window]
    context = browser.new_context(
        viewport=window, accept_downloads=True, locale="vi-VN", is_mobile=window["width"] < 500
    )
    return context.new_page()


def _login(page: Page, live: Live, username: str) -> None:
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _logout(page: Page) -> None:
    page.click("text=Đăng xuất")
    page.wait_for_url("**/login")


def _open_task(page: Page, live: Live, ref: str) -> None:
    page.goto(f"{live.url}/tasks")
    page.locator("ul.tasks a", has_text=f"{ref} ").first.click()
    page.wait_for_selector(f"h1:has-text('Nhiệm vụ {ref}')")


def test_the_main_jobs_in_a_real_browser(browser: Browser, live: Live) -> None:
    page = _page(browser, live)
    _login(page, live, "thuongtruc")
    live.shot(page, "tasks-empty")
    _import_plan(page, live)
    _fix_task(page, live)
    _logout(page)
    _request_extension(page, live)
    _logout(page)
    _approve_extension(page, live)
    _logout(page)
    _generate_report(page, live)


def _import_plan(page: Page, live: Live) -> None:
    """Upload, preview with the 6-rõ findings, commit."""
    page.goto(f"{live.url}/import")
    page.set_input_files("input[name=file]", str(FIXTURES / "kien_tuong_3838.docx"))
    page.fill("input[name=plan_number]", "3838/KH-UBND")
    page.fill("input[name=plan_date]", "2023-12-28")
    page.click("text=Tải lên và xem trước")
    expect(page.locator("h1")).to_contain_text("Xem trước: 3838/KH-UBND")
    expect(page.locator("text=Cách sửa:").first).to_be_visible()
    live.shot(page, "import-preview")
    page.click("button:has-text('Nhập kế hoạch')")
    expect(page.locator("text=Đã nhập 30 nhiệm vụ")).to_be_visible()
    live.shot(page, "import-done")


def _fix_task(page: Page, live: Live) -> None:
    """Task 1.6 fails three dimensions; fixed until all six are clear."""
    _open_task(page, live, "1.6")
    badges = page.locator("section.card").first
    expect(badges.locator(".badge.no")).to_have_count(3)
    page.fill("input[name=deadline_text]", "Quý III/2024")
    page.select_option("select[name=lead_unit_id]", label="Phòng Nội vụ")
    page.select_option("select[name=person_id]", label="Lê Minh Tâm — Phòng Nội vụ")
    page.click("text=Lưu sáu rõ")
    page.wait_for_load_state()
    expect(badges.locator(".badge.ok")).to_have_count(6)
    expect(badges.locator(".badge.no")).to_have_count(0)
    live.shot(page, "task-six-clear")


def _request_extension(page: Page, live: Live) -> None:
    _login(page, live, "truongphong")
    _open_task(page, live, "2.1")
    extension = page.locator("form[action$='/extension']")  # the page has other reasons
    extension.locator("input[name=new_due]").fill("2025-01-31")
    extension.locator("textarea[name=reason]").fill("Chờ hướng dẫn của Sở Tư pháp")
    page.click("text=Gửi đề nghị gia hạn")
    expect(page.locator("text=đang chờ quyết định")).to_be_visible()
    live.shot(page, "extension-requested")


def _approve_extension(page: Page, live: Live) -> None:
    _login(page, live, "chutich")
    expect(page.locator("h1")).to_contain_text("Bảng điều hành")
    live.shot(page, "dashboard")
    page.click("a:has-text('Nhiệm vụ 2.1')")
    page.fill("textarea[name=note]", "Đồng ý gia hạn")
    page.click("button:has-text('Phê duyệt')")
    expect(page.locator("text=được phê duyệt").first).to_be_visible()
    expect(page.locator("text=gia hạn từ 04/12/2024")).to_be_visible()
    live.shot(page, "extension-approved")


def _generate_report(page: Page, live: Live) -> None:
    _login(page, live, "thuongtruc")
    page.goto(f"{live.url}/reports?period=2024-H1")
    page.click("button:has-text('Lập báo cáo')")
    # made in the background: the page reloads itself until the files are listed
    expect(page.locator("a:has-text('Văn bản báo cáo (Word, .docx)')")).to_be_visible(
        timeout=120_000
    )
    with page.expect_download() as info:
        page.click("a:has-text('Văn bản báo cáo (Word, .docx)')")
    download = info.value
    saved = live.shots / download.suggested_filename
    download.save_as(str(saved))
    assert saved.read_bytes().startswith(b"PK")
    live.shot(page, "reports")


def test_the_dashboard_period_and_its_links_in_a_real_browser(browser: Browser, live: Live) -> None:
    load_kien_tuong(
        live.site.engine, load_configs(live.site.settings.config_dir), actor=SETUP, now=NOW
    )
    page = _page(browser, live)
    _login(page, live, "chutich")
    page.goto(f"{live.url}/dashboard")
    page.select_option("select[name=period]", label="Quý I năm 2024")
    page.click("button:has-text('Xem')")
    expect(page.locator("h1")).to_contain_text("Quý I năm 2024")
    live.shot(page, "dashboard-period")
    link = page.locator("td.name a").first
    name = link.inner_text()
    link.click()
    expect(page.locator("select[name=period] option[selected]")).to_have_text("Quý I năm 2024")
    expect(page.locator("select[name=unit] option[selected]")).to_have_text(name)
    live.shot(page, "tasks-of-unit-in-period")


# What a user must never read: English words of a UI, internal codes, raw JSON.
UI_ENGLISH = re.compile(
    r"\b(?:Submit|Save|Cancel|Delete|Edit|Search|Error|Not Found|Details|None|True|False|null|"
    r"undefined|NaN|Loading|Back|Next|Previous|Home|Login|Logout|Password|Username|Forbidden|"
    r"Unauthorized|Method Not Allowed|Internal Server Error|Unprocessable|Traceback|Exception)\b"
)
PERIOD_CODE = re.compile(r"\b\d{4}-(?:Q[1-4]|H[12]|M\d{2}|Y)\b")
CODED = (TaskStatus, DeadlineKind, TaskState, ExtensionStatus, UserRole, ReportState,
         PersonRole, UnitKind, OrgLevel, UnitRole)  # fmt: skip
ENUM_VALUE = re.compile(
    r"\b(?:[a-z]+_[a-z_]+|"
    + "|".join(sorted({str(value) for kind in CODED for value in kind}, key=len, reverse=True))
    + r")\b"
)
ORG_CODE = re.compile(r"\b(?:kien-tuong|xuan-duong)\b")
RAW_JSON = re.compile(r"[{\[]\s*\"[^\"\n]+\"\s*:")
CHECKS = {"English": UI_ENGLISH, "period code": PERIOD_CODE, "internal value": ENUM_VALUE,
          "organization code": ORG_CODE, "raw JSON": RAW_JSON}  # fmt: skip


def _walk_pages(live: Live, role: UserRole, menu: list[str]) -> list[tuple[str, int]]:
    """The pages ``role`` opens: its menu, and the pages behind them (a task, a plan, a unit,
    a person, a config file, a report's steps, its own pages, an unknown address)."""
    site = live.site
    with Session(site.engine) as session:
        plan_id = session.exec(select(Plan.id)).first()
        unit_id = session.exec(select(Unit.id).where(Unit.active)).first()
        person_id = session.exec(select(Person.id).where(Person.active)).first()
    pages = [*menu, f"/tasks/{site.task_id('2.1')}", "/notices", "/account", "/password"]
    if role in MATRIX[Action.VIEW_PLANS]:
        pages.append(f"/plans/{plan_id}")
    if role in MATRIX[Action.VIEW_REPORTS]:
        pages += ["/reports/2024-H1/approval", "/reports/2024-H1/sections"]
    if role in MATRIX[Action.EDIT_PEOPLE]:
        pages += [f"/directory/units/{unit_id}", f"/directory/people/{person_id}"]
    if role in MATRIX[Action.EDIT_CONFIG]:
        pages += ["/configs/escalation.yaml", "/configs/templates/digest.txt"]
    return [(page, 200) for page in pages] + [("/khong-co-trang-nay", 404)]


def _some_work_done(site: Site, configs: Configs) -> None:
    """What a task page shows after a few days of work: its deadline rewritten (a new kind
    of deadline in the history), progress with a note of two lines, an extension asked."""
    task_id = site.task_id("2.1")
    with session_scope(site.engine) as session:
        task = session.get(Task, task_id)
        assert task is not None
        change = TaskEdit(
            version=task.version, person_id=task.person_id, work=task.work, area=task.area,
            deadline_text="Quý IV/2024", lead_unit_id=task.lead_unit_id, coordinator_ids=(),
            assigner=task.assigner, product=task.product,
        )  # fmt: skip
        edit_task(session=session, task_id=task_id, edit=change, areas=configs.areas,
                  actor=SETUP, now=NOW)  # fmt: skip
        note = "Đã họp triển khai.\nĐang dự thảo kế hoạch."
        record_progress(
            session=session, task_id=task_id, percent=40, note=note, actor=SETUP, now=NOW
        )
    site.pending_request("2.1")


def _findings(text: str) -> list[str]:
    found = []
    for kind, pattern in CHECKS.items():
        for match in pattern.finditer(text):
            around = text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " ")
            found.append(f"{kind} «{match.group(0)}» in …{around}…")
    return found


def _read(page: Page, live: Live, url: str, status: int, name: str) -> list[str]:
    response = page.goto(url if url.startswith("http") else live.url + url)
    assert response is not None
    assert response.status == status, f"{name}: {url} answered {response.status}"
    live.shot(page, name)
    text: str = page.evaluate("document.title + '\\n' + document.body.innerText")
    return [f"{name} ({url}): {finding}" for finding in _findings(text)]


def test_every_page_as_every_role(browser: Browser, live: Live) -> None:
    """Each role walks every page it may open, on a desktop and a phone: every page
    answers, none scrolls sideways, each is kept as a screenshot, and none shows an English
    word of a UI, an internal code (a period code, an enum value, an organization's code)
    or raw JSON."""
    configs = load_configs(live.site.settings.config_dir)
    load_kien_tuong(live.site.engine, configs, actor=SETUP, now=NOW)
    _some_work_done(live.site, configs)
    page = _page(browser, live)
    found = _read(page, live, "/login", 200, "anonymous-login")
    found += _read(page, live, "/password/forgot", 200, "anonymous-forgot")
    for role, username in ROLE_ACCOUNT.items():
        _login(page, live, username)
        menu = page.locator("header nav a").evaluate_all("links => links.map(a => a.href)")
        for url, status in _walk_pages(live, role, menu):
            name = f"{role}-{url.rstrip('/').rsplit('/', 1)[-1].split('?')[0] or 'home'}"
            found += _read(page, live, url, status, name)
        _logout(page)
    assert not found, "\n".join(dict.fromkeys(found))


def test_config_editor_in_a_real_browser(browser: Browser, live: Live) -> None:
    page = _page(browser, live)
    _login(page, live, "quantri")
    _editor_font(page, live)
    page.goto(f"{live.url}/configs/escalation.yaml")
    area = page.locator("textarea[name=text]")
    good = area.input_value()
    area.fill(good.replace("offset: 3", "offset: 3 ngày", 1))
    page.click("text=Kiểm tra và xem tác động")
    expect(page.locator(".error")).to_contain_text("Dòng")
    live.shot(page, "config-error")
    page.locator("textarea[name=text]").fill(good)
    page.click("text=Kiểm tra và xem tác động")
    expect(page.locator(".notice")).to_contain_text("Tác động nếu lưu")
    page.click("button:has-text('Lưu')")
    expect(page.locator(".notice")).to_contain_text("Đã lưu phiên bản")
    live.shot(page, "config-saved")


VIETNAMESE = "Nhiệm vụ quá hạn: Đặng Thị Hường, Phòng Tư pháp — ưu tiên xử lý ngày 15/12."
FONT_LOADED = """async () => {
  await document.fonts.load('16px "Sau Ro Mono"', 'ệ');
  return [...document.fonts].some(f => f.family.replace(/"/g, '') === 'Sau Ro Mono'
                                       && f.status === 'loaded');
}"""


def _editor_font(page: Page, live: Live) -> None:
    """The template editor writes Vietnamese in the shipped monospace font (the screenshot
    shows the diacritics), not in whatever "monospace" the browser would pick."""
    page.goto(f"{live.url}/configs/templates/digest.txt")
    area = page.locator("textarea[name=text]")
    area.fill(VIETNAMESE + "\n" + area.input_value())
    family = area.evaluate("element => getComputedStyle(element).fontFamily")
    assert family.startswith('"Sau Ro Mono"'), family
    assert page.evaluate(FONT_LOADED), "the editor's font did not load"
    area.evaluate("element => { element.setSelectionRange(0, 0); element.scrollTop = 0; }")
    live.shot(page, "editor-font")


def test_a_unit_head_returns_its_form_in_a_real_browser(browser: Browser, live: Live) -> None:
    """Download the unit's form, fill it as the unit would (openpyxl), upload it."""
    from form_support import fill

    from engine.reports.unit_forms import COL_DATE, COL_EVIDENCE, COL_RESULT, COL_STATUS, DONE

    load_kien_tuong(
        live.site.engine, load_configs(live.site.settings.config_dir), actor=SETUP, now=NOW
    )
    page = _page(browser, live)
    _login(page, live, "truongphong")
    page.click("header nav a:has-text('Báo cáo đơn vị')")
    expect(page.locator("td", has_text="Phòng Tư pháp")).to_be_visible()
    live.shot(page, "unit-reports")
    with page.expect_download() as info:
        page.click("a:has-text('Tải biểu')")
    form = live.shots / info.value.suggested_filename
    info.value.save_as(str(form))
    done = {COL_STATUS: DONE, COL_RESULT: "Đã ban hành kế hoạch", COL_DATE: "05/06/2024",
            COL_EVIDENCE: "Kế hoạch số 12/KH-PTP"}  # fmt: skip
    page.set_input_files("input[name=file]", str(fill(form, {"2.1": done})))
    page.click("button:has-text('Nộp biểu')")
    expect(page.locator(".notice")).to_contain_text("1 nhiệm vụ hoàn thành")
    expect(page.locator("td", has_text="Đã nộp")).to_be_visible()
    live.shot(page, "unit-report-submitted")


NOTICE = FIXTURES / "kien_tuong_45_tb.txt"  # a conclusion notice: 8 items, 6 tasks


def test_the_assignment_workflow_in_a_real_browser(browser: Browser, live: Live) -> None:
    """A conclusion notice pasted (8 items, 2 dropped, 6 imported); a unit head gives its
    unit's tasks to one officer at once; a coordinating unit adds its part; the officer
    completes with evidence; the Chairman accepts one result and returns another."""
    with session_scope(live.site.engine) as session:  # Kiến Tường accepts results here
        org = session.exec(select(Organization).where(Organization.code == "kien-tuong")).one()
        org.acceptance_required = True
    page = _page(browser, live)
    _paste_notice(page, live)
    _delegate_all(page, live)
    _coordinate_and_complete(page, live)
    _accept_and_return(page, live)


def _paste_notice(page: Page, live: Live) -> None:
    _login(page, live, "thuongtruc")
    page.goto(f"{live.url}/import")
    page.fill("textarea[name=text]", NOTICE.read_text(encoding="utf-8"))
    page.click("text=Tải lên và xem trước")
    expect(page.locator("h1")).to_contain_text("Xem trước: 45/TB-UBND")
    live.shot(page, "notice-preview")
    tasks = page.locator("#sua-nhiem-vu fieldset.task:has(input[name=drop])")
    expect(tasks).to_have_count(8)
    for words in ("thông báo kết luận này", "đăng tải Thông báo này"):
        tasks.filter(has_text=words).locator("input[name=drop]").check()
    page.click("button:has-text('Cập nhật xem trước')")
    expect(tasks).to_have_count(6)
    page.click("button:has-text('Nhập các nhiệm vụ')")
    expect(page.locator("text=Đã nhập 6 nhiệm vụ")).to_be_visible()
    live.shot(page, "notice-imported")
    _logout(page)


def _delegate_all(page: Page, live: Live) -> None:
    _login(page, live, "truongphong")  # head of Phòng Tư pháp: leads items 1 and 2
    page.goto(f"{live.url}/tasks?plan=45/TB-UBND")
    page.locator("input[name=task_ids]").first.wait_for()
    picks = page.locator("input[name=task_ids]")
    expect(picks).to_have_count(2)
    for index in range(2):
        picks.nth(index).check()
    page.select_option(
        "#giao-viec select[name=person_id]", label="Nguyễn Thị Mỹ Linh — Phòng Tư pháp"
    )
    page.click("text=Giao các nhiệm vụ đã chọn")
    expect(page.locator("li.task", has_text="Người thực hiện: Nguyễn Thị Mỹ Linh")).to_have_count(2)
    live.shot(page, "delegated")
    _logout(page)


def _coordinate_and_complete(page: Page, live: Live) -> None:
    _login(page, live, "canbo")  # Phòng Tư pháp coordinates item 3 (led by Phòng Nội vụ)
    page.goto(f"{live.url}/tasks/{_ref_id(live, '3')}")
    page.fill("form[action$='/coordination'] textarea[name=note]", "Đã góp ý dự thảo báo cáo")
    page.click("text=Ghi phần phối hợp")
    expect(page.locator("text=Đã góp ý dự thảo báo cáo").first).to_be_visible()
    for ref in ("1", "2"):
        page.goto(f"{live.url}/tasks/{_ref_id(live, ref)}")
        form = page.locator("form[action$='/complete']")
        form.locator("textarea[name=result]").fill("Đã hoàn thành rà soát")
        form.locator("textarea[name=evidence]").fill("Báo cáo số 12/BC-PTP ngày 10/6/2024")
        page.click("button:has-text('Ghi nhận hoàn thành')")
        expect(page.locator("h2:has-text('Kết quả chờ xác nhận')")).to_be_visible()
    live.shot(page, "completed-awaiting")
    _logout(page)


def _accept_and_return(page: Page, live: Live) -> None:
    _login(page, live, "chutich")
    expect(page.locator("text=Kết quả chờ xác nhận (2)")).to_be_visible()
    live.shot(page, "dashboard-awaiting")
    page.goto(f"{live.url}/tasks/{_ref_id(live, '1')}")
    page.click("button:has-text('Xác nhận kết quả')")
    expect(page.locator(".status.done_on_time")).to_be_visible()
    page.goto(f"{live.url}/tasks/{_ref_id(live, '2')}")
    page.fill("form[action$='/review'] textarea[name=reason]", "Kế hoạch thiếu phụ lục phân công")
    page.click("button:has-text('Trả lại')")
    expect(page.locator("text=Kết quả bị trả lại")).to_be_visible()
    live.shot(page, "returned")
    _logout(page)

    _login(page, live, "canbo")
    page.goto(f"{live.url}/tasks/{_ref_id(live, '2')}")
    expect(page.locator("text=Lý do: Kế hoạch thiếu phụ lục phân công")).to_be_visible()
    expect(page.locator(".status.in_progress")).to_be_visible()
    expect(page.locator("form[action$='/complete']")).to_be_visible()
    live.shot(page, "returned-seen-by-officer")


def _ref_id(live: Live, ref: str) -> int:
    with Session(live.site.engine) as session:
        task = session.exec(
            select(Task).join(Plan).where(Plan.key == "45/TB-UBND", Task.ref == ref)
        ).one()
        return int(task.id or 0)


# --- notices: the bell, the inbox, mails and Zalo messages with links ----------------------


@dataclass
class Noticing:
    """The app with notices mailed at once to a real SMTP server and sent to a fake ZNS."""

    live: Live
    smtp: SmtpTestServer
    zns: FakeZnsServer


@pytest.fixture
def noticing(request: pytest.FixtureRequest, live: Live, tmp_path: Path) -> Iterator[Noticing]:
    """Kiến Tường mails notices at once; its Vice-Chairman in charge of Phòng Tư pháp and
    that unit's head chose e-mail and Zalo. Served on its own port, with its address as the
    base of every link."""
    config_dir = live.site.settings.config_dir
    notices = config_dir / "notices.yaml"
    notices.write_text(
        notices.read_text(encoding="utf-8")
        .replace("  xuan-duong:\n", "  kien-tuong:\n    email: immediate\n  xuan-duong:\n")
        .replace('digest: ""', 'digest: "2001"')
        .replace('notice: ""', 'notice: "2002"'),
        encoding="utf-8",
    )
    engine = live.site.engine
    load_kien_tuong(engine, load_configs(config_dir), actor=SETUP, now=NOW)
    with session_scope(engine) as session:
        for email, phone in PHONES.items():
            person = session.exec(select(Person).where(Person.email == email)).one()
            person.channel, person.phone = "both", phone
    smtp = mail_server()
    smtp.start()
    zns = FakeZnsServer(FakeZns(templates={t: ("ten", "noi_dung", "lien_ket") for t in TEMPLATES}))
    port = free_port()
    settings = live.site.settings.model_copy(update={"base_url": f"http://127.0.0.1:{port}"})
    zalo = ZaloSettings(
        enabled=True, app_id=APP_ID, secret_key=SECRET_KEY,
        access_token=zns.fake.access_token or "", refresh_token=zns.fake.refresh_token,
        api_url=zns.url, oauth_url=zns.url,
    )  # fmt: skip
    server_settings = SmtpSettings(
        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
        smtp_sender="Sáu Rõ <sauro@kientuong.example.vn>", smtp_timeout=5,
    )  # fmt: skip
    with _serve(engine, settings, port=port, smtp=server_settings, zalo=zalo) as url:
        yield Noticing(Live(url, live.site, live.shots, live.window), smtp, zns)
    smtp.stop()
    zns.stop()


PHONES = {
    "ducpv@kientuong.example.vn": "0912 000 111",
    "tungvt@kientuong.example.vn": "0912 000 222",
}
TEMPLATES = ("2001", "2002")


def _mails_to(smtp: SmtpTestServer, address: str, count: int) -> list[str]:
    """The text of the mails ``address`` received, once ``count`` have arrived."""
    deadline = time.monotonic() + 15
    while True:
        with smtp.handler.lock:
            found = [r.message for r in smtp.handler.received if address in str(r.message["To"])]
        if len(found) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(found) == count, f"{address}: {len(found)} mails, not {count}"
    return [str(m.get_body(("plain",)).get_content()) for m in found]  # type: ignore[union-attr]


def test_an_extension_rings_the_bell_and_mails_a_link_in_a_real_browser(
    browser: Browser, noticing: Noticing
) -> None:
    live = noticing.live
    task_id = live.site.task_id("2.1")
    head = _page(browser, live)
    _request_extension(head, live)
    expect(head.locator("#so-thong-bao")).to_have_text("0")
    # The Vice-Chairman in charge hears at once: the bell, a mail and a Zalo message.
    (asked,) = _mails_to(noticing.smtp, "ducpv@", 1)
    assert "Đề nghị gia hạn nhiệm vụ 2.1 chờ quyết định" in asked
    assert f"Xem và xử lý: {live.url}/tasks/{task_id}" in asked
    vice = _page(browser, live)
    _login(vice, live, "phochutich")
    expect(vice.locator("#so-thong-bao")).to_have_text("1")
    live.shot(vice, "bell-rings")
    vice.click("a.bell")
    expect(vice.locator("h1")).to_contain_text("Thông báo của bạn")
    live.shot(vice, "inbox")
    vice.click("ul.notices button:has-text('Đề nghị gia hạn nhiệm vụ 2.1 chờ quyết định')")
    vice.wait_for_url(f"**/tasks/{task_id}")
    expect(vice.locator("#so-thong-bao")).to_have_text("0")
    vice.fill("textarea[name=note]", "Đồng ý gia hạn")
    vice.click("button:has-text('Phê duyệt')")
    expect(vice.locator("text=được phê duyệt").first).to_be_visible()
    # The unit head's bell shows the decision; the mail links to the task.
    head.reload()
    expect(head.locator("#so-thong-bao")).to_have_text("1")
    head.click("a.bell")
    expect(head.locator("ul.notices")).to_contain_text("Đề nghị gia hạn nhiệm vụ 2.1 được đồng ý")
    live.shot(head, "decision-told")
    (decided,) = _mails_to(noticing.smtp, "tungvt@", 1)
    link = f"{live.url}/tasks/{task_id}"
    assert f"Xem và xử lý: {link}" in decided
    # The link opens the task after login, in a browser that was never signed in.
    fresh = _page(browser, live)
    fresh.goto(link)
    fresh.wait_for_url(re.compile(r"/login\?next=/tasks/"))
    fresh.fill("input[name=username]", "truongphong")
    fresh.fill("input[name=password]", PASSWORD)
    fresh.click("button[type=submit]")
    fresh.wait_for_url(link)
    expect(fresh.locator("h1")).to_contain_text("Nhiệm vụ 2.1")
    # Zalo: one message each, to the numbers they gave, linking to the same page.
    fake = noticing.zns.fake
    assert fake.problems == []
    sent = {r["phone"]: r["template_data"] for r in fake.requests}
    assert set(sent) == {"84912000111", "84912000222"}
    assert sent["84912000222"]["noi_dung"] == "Đề nghị gia hạn nhiệm vụ 2.1 được đồng ý"
    assert sent["84912000222"]["lien_ket"] == link
