"""The web's config editor under hostile input (issue 14): a YAML alias bomb is refused at
its line, nothing saved."""

from __future__ import annotations

from test_config_aliases import alias_bomb
from web_support import Site, login


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
