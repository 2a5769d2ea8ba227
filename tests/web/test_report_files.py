"""The web's report run replaces a report's files whole (issue 14), on both databases: a
run that fails half-way leaves the files of the run before, still listed and downloadable
as they were, and no temporary folder."""

from __future__ import annotations

from web_support import Site, login


def test_a_failed_run_leaves_the_previous_files_downloadable(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    made = client.post("/api/reports", json={"period": "2024-H1"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 200, made.text
    links = made.json()["files"]
    before = {link: client.get(link).content for link in links}
    (site.settings.config_dir / "report" / "bao_cao_cchc.docx").write_bytes(b"not a docx")

    failed = client.post("/api/reports", json={"period": "2024-H1"}, headers={"X-CSRF-Token": csrf})

    assert failed.status_code == 400, failed.text
    assert client.get("/api/reports?period=2024-H1").json()["files"] == links
    assert {link: client.get(link).content for link in links} == before
    period_folder = site.settings.reports_dir / "kien-tuong" / "2024-H1"
    assert [p.name for p in period_folder.iterdir()] == ["kien-tuong-2024-H1"]
