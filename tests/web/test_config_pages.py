"""The config editor pages over ``engine.configs.editor``: validation errors at the line, the
impact preview before saving, history and rollback, and template injection in an
admin-edited message template contained. Every other role is refused the editor in
``test_policy_matrix``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_support import Site, login

INJECTIONS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
]


def _admin(site: Site) -> tuple[TestClient, str]:
    site.add("quantri")
    client = site.client()
    return client, login(client, "quantri")


def test_the_editor_lists_the_editable_configs(site: Site) -> None:
    client, _ = _admin(site)
    page = client.get("/configs")
    assert page.status_code == 200
    assert "escalation.yaml" in page.text and "templates/digest.txt" in page.text
    assert "Các bước nhắc việc và báo cáo vượt cấp" in page.text  # said in words


def test_an_invalid_config_is_shown_at_its_line_and_not_saved(site: Site) -> None:
    client, csrf = _admin(site)
    path = site.settings.config_dir / "escalation.yaml"
    good = path.read_text("utf-8")
    bad = good.replace("offset: 3", "offset: 3 ngày", 1)
    line = next(n for n, text in enumerate(bad.splitlines(), start=1) if "3 ngày" in text)
    for action in ("preview", "save"):
        response = client.post(
            "/configs/escalation.yaml", data={"text": bad, "action": action, "csrf_token": csrf}
        )
        assert response.status_code == 400
        assert f"Dòng {line}" in response.text
    assert path.read_text("utf-8") == good


def test_preview_then_save_then_roll_back(site: Site) -> None:
    client, csrf = _admin(site)
    path = site.settings.config_dir / "escalation.yaml"
    good = path.read_text("utf-8")
    changed = good.replace("offset: 3", "offset: 4", 1)
    preview = client.post(
        "/configs/escalation.yaml", data={"text": changed, "action": "preview", "csrf_token": csrf}
    )
    assert preview.status_code == 200 and "Tác động nếu lưu" in preview.text
    assert path.read_text("utf-8") == good  # a preview saves nothing
    saved = client.post(
        "/configs/escalation.yaml",
        data={"text": changed, "action": "save", "note": "nhắc sớm hơn", "csrf_token": csrf},
    )
    assert saved.status_code == 303
    assert path.read_text("utf-8") == changed
    page = client.get("/configs/escalation.yaml")
    assert "nhắc sớm hơn" in page.text and "quantri" in page.text


@pytest.mark.parametrize("payload", INJECTIONS)
def test_template_injection_is_contained(site: Site, payload: str) -> None:
    client, csrf = _admin(site)
    path = site.settings.config_dir / "templates" / "digest.txt"
    good = path.read_text("utf-8")
    response = client.post(
        "/configs/templates/digest.txt",
        data={"text": good + "\n" + payload + "\n", "action": "save", "csrf_token": csrf},
    )
    assert response.status_code == 400, response.text
    line = len((good + "\n").splitlines()) + 1
    problems = response.text.split('<ul class="problems">')[1].split("</ul>")[0]
    assert f"Dòng {line}" in problems and "không an toàn" in problems
    assert "uid=" not in response.text and "&lt;class" not in response.text  # never evaluated
    assert path.read_text("utf-8") == good
