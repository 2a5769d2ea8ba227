"""Periods in words and any period: the lists of the reports, unit reports, dashboard and
task pages; the dashboard's period and its links to the filtered task list; the report made
in the background, one run per organization and period."""

from __future__ import annotations

import re
import threading
from datetime import date
from html import unescape

import pytest
from web_support import CONFIG, NOW, Site, login

from engine.calendar.periods import ReportingConfig, make_period, periods_overlapping
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import load_configs
from engine.web.reports import ReportJob, report_jobs

REPORTING = ReportingConfig(version=1)


def _calendar() -> WorkCalendar:
    return WorkCalendar(load_configs(CONFIG).calendar)


@pytest.mark.parametrize(
    ("kind", "year", "title"),
    [
        ("quy-1", 2026, "Quý I năm 2026"),
        ("6-thang", 2026, "6 tháng đầu năm 2026"),
        ("quy-3", 2026, "Quý III năm 2026"),
        ("nam", 2026, "Năm 2026"),
    ],
)
def test_a_period_is_titled_in_words(kind: str, year: int, title: str) -> None:
    period = make_period(kind, year, REPORTING, _calendar())  # type: ignore[arg-type]
    assert period.title == title


def test_the_periods_a_span_of_days_meets_latest_first() -> None:
    found = periods_overlapping(date(2025, 11, 1), date(2026, 4, 1), REPORTING, _calendar())
    assert [p.code for p in found] == ["2026", "2026-H1", "2026-Q1", "2025"]
    assert periods_overlapping(date(2026, 4, 1), date(2026, 3, 1), REPORTING,
                               _calendar()) == []  # fmt: skip


def test_every_list_names_periods_in_words_past_ones_included(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    for path in ("/reports", "/unit-reports", "/tasks"):
        page = client.get(path)
        assert page.status_code == 200, path
        options = re.findall(r'<option value="(20[^"]+)"[^>]*>([^<]+)</option>', page.text)
        shown = dict(options)
        assert shown["2024-H1"] == "6 tháng đầu năm 2024", path
        assert shown["2024-Q1"] == "Quý I năm 2024", path
        assert shown["2024"] == "Năm 2024", path
        assert all(not re.fullmatch(r"\d{4}(-[QH]\d)?", label) for _, label in options), path
    assert "<h2>6 tháng đầu năm 2024</h2>" in client.get("/reports").text


def test_a_period_in_the_address_is_offered_even_without_tasks(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    page = client.get("/reports?period=2019-Q3").text
    assert '<option value="2019-Q3" selected>Quý III năm 2019</option>' in page


def test_the_dashboard_shows_a_chosen_period_or_every_task(site: Site) -> None:
    site.add("chutich")
    client = site.client()
    login(client, "chutich")
    current = client.get("/dashboard").text
    assert "Bảng điều hành — 6 tháng đầu năm 2024" in current
    assert '<option value="2024-H1" selected>' in current
    first = client.get("/dashboard?period=2024-Q1").text
    everything = client.get("/dashboard?period=tat-ca").text
    assert "Bảng điều hành — Quý I năm 2024" in first
    assert "Bảng điều hành — Tất cả nhiệm vụ" in everything
    total = {name: int(_total(page)) for name, page in (("q1", first), ("all", everything))}
    assert total["q1"] < total["all"]
    bad = client.get("/dashboard?period=2024-Q9")
    assert bad.status_code == 400 and "không phải kỳ báo cáo" in bad.text


def _total(page: str) -> str:
    found = re.search(r"Tổng số: <strong>(\d+)</strong>", page)
    assert found, page
    return found[1]


@pytest.mark.parametrize("period", ["2024-H1", "tat-ca"])
def test_dashboard_rows_link_to_the_task_list_filtered_alike(site: Site, period: str) -> None:
    site.add("chutich")
    client = site.client()
    login(client, "chutich")
    page = client.get(f"/dashboard?period={period}").text
    rows = re.findall(
        r'<a href="(/tasks\?[^"]+)">([^<]+)</a></td><td data-label="Tổng">(\d+)', page
    )
    units = [r for r in rows if "unit=" in r[0]]
    areas = [r for r in rows if "area=" in r[0]]
    assert units and areas
    for shown, name, total in [units[0], areas[0]]:
        link = unescape(shown)
        assert ("period=2024-H1" in link) == (period == "2024-H1"), link
        listed = client.get(link)
        assert listed.status_code == 200, link
        assert f"{total} nhiệm vụ ·" in listed.text, (name, link)


def test_the_task_list_filters_by_period(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    every = client.get("/tasks").text
    first = client.get("/tasks?period=2024-Q1").text
    count = lambda page: int(re.search(r"(\d+) nhiệm vụ ·", page)[1])  # noqa: E731
    assert 0 < count(first) < count(every)
    assert '<option value="2024-Q1" selected>Quý I năm 2024</option>' in first
    assert client.get("/tasks?period=2024-Q9").status_code == 400


def test_a_running_report_shows_its_step_and_is_not_started_twice(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    state = site.app.state.web
    period = make_period("6-thang", 2024, REPORTING, _calendar())
    release, ran = threading.Event(), []

    def work(job: ReportJob) -> None:
        ran.append(job)
        release.wait(30)

    job = ReportJob(org_code="kien-tuong", period=period, username="thuongtruc", send=False,
                    out=site.settings.reports_dir, clock=lambda: NOW, started_at=NOW)  # fmt: skip
    try:
        assert report_jobs(state).start(job, work) is job
        again = client.post("/reports", data={"period": "2024-H1", "csrf_token": csrf})
        assert again.status_code == 303
        assert report_jobs(state).last("kien-tuong", "2024-H1") is job  # no second run
        page = client.get(again.headers["location"]).text
        assert re.search(r"Đang lập báo cáo… bước 1/4: Tổng hợp số liệu", page)
        assert '<meta http-equiv="refresh" content="2">' in page
        assert "Lập báo cáo (.docx" not in page  # no form to start another
    finally:
        release.set()
        job.done.wait(30)
    done = client.get("/reports?period=2024-H1").text
    assert "Đã lập xong" in done and "http-equiv" not in done
    assert len(ran) == 1


def test_a_failed_report_says_why_in_vietnamese(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    period = make_period("quy-1", 2024, REPORTING, _calendar())

    def work(job: ReportJob) -> None:
        raise OSError("disk full")

    job = ReportJob(org_code="kien-tuong", period=period, username="thuongtruc", send=False,
                    out=site.settings.reports_dir, clock=lambda: NOW, started_at=NOW)  # fmt: skip
    report_jobs(site.app.state.web).start(job, work).done.wait(30)
    page = client.get("/reports?period=2024-Q1").text
    assert "không thành công do lỗi hệ thống (OSError)" in page
