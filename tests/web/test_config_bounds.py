"""The web's config editor under hostile input (issue 14): a YAML alias bomb and a template
that would run for hours are refused at their line, nothing saved; a check the request
cannot wait for answers in Vietnamese."""

from __future__ import annotations

import time

import pytest
from test_config_aliases import alias_bomb
from web_support import Site, login

from engine.errors import ConfigError
from engine.web.configs import within


def test_the_web_editor_refuses_a_bomb_at_its_line(site: Site) -> None:
    site.add("quantri")
    client = site.client()
    csrf = login(client, "quantri")
    path = site.settings.config_dir / "escalation.yaml"
    good = path.read_text("utf-8")

    for action in ("preview", "save"):
        form = {"text": alias_bomb(), "action": action, "csrf_token": csrf}
        response = client.post("/configs/escalation.yaml", data=form)
        assert response.status_code == 400
        assert "Dòng 2" in response.text and "bí danh YAML" in response.text
    assert path.read_text("utf-8") == good


def test_the_web_preview_of_an_endless_template_answers_at_its_line(site: Site) -> None:
    site.add("quantri")
    client = site.client()
    csrf = login(client, "quantri")
    path = site.settings.config_dir / "templates" / "digest.txt"
    good = path.read_text("utf-8")
    nested = "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}"
    line = len(good.rstrip("\n").splitlines()) + 1
    started = time.monotonic()

    response = client.post(
        "/configs/templates/digest.txt",
        data={"text": good.rstrip("\n") + "\n" + nested + "\n", "action": "preview",
              "csrf_token": csrf},
    )  # fmt: skip

    assert time.monotonic() - started < 15
    assert response.status_code == 400
    assert f"Dòng {line}" in response.text and "bước" in response.text
    assert path.read_text("utf-8") == good


def test_a_check_that_takes_too_long_is_answered_in_vietnamese() -> None:
    started = time.monotonic()

    with pytest.raises(ConfigError) as late:
        within(lambda: time.sleep(3), name="templates/digest.txt", seconds=0.2)

    assert time.monotonic() - started < 1
    assert "kiểm tra quá 0.2 giây mà chưa xong" in str(late.value)
