"""The bounded sandbox (issue 14): every template that exhausted the machine is refused by
the validation the editor and ``sauro config check`` run, fast, at its file and line, in
Vietnamese; at run time the same bounds stop a render; ordinary templates render as before.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.errors import ConfigError
from engine.template_sandbox import BoundedSandbox, Limits, TemplateBoundError, time_budget
from notifications.render import TemplateSet, sample_digests

TEMPLATES = Path(__file__).resolve().parents[2] / "config" / "templates"
SHIPPED = {
    p.name: p.read_text("utf-8") for p in TEMPLATES.iterdir() if p.suffix in (".txt", ".html")
}
BIG_MACRO = "{% macro m() %}{% for i in range(10000) %}" + "y" * 1000 + "{% endfor %}{% endmacro %}"

# (template line, what the refusal says): each built gigabytes or ran for hours before.
HOSTILE = [
    ("{{ 'x'|center(10**9) }}", "quá lớn"),
    ("{{ 'x'|center(1000000000) }}", "quá lớn"),  # a constant: folded at compile time
    ("{{ '{:>999999999}'.format(1) }}", "quá lớn"),
    ("{{ '{:{}}'.format(1, 10**9) }}", "quá lớn"),
    ("{{ '{0:.999999999f}'.format(1.5) }}", "quá lớn"),
    ("{{ 'a'|indent(10**9) }}", "chuỗi dài quá"),
    ("{{ '%0999999999d'|format(1) }}", "quá lớn"),
    ("{{ '%0999999999d' % 1 }}", "quá lớn"),
    ("{{ '%*d' % (10**9, 1) }}", "quá lớn"),
    ("{% for a in range(100000) %}{% endfor %}", "range quá lớn"),
    ("{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}", "bước"),
    ("{% set s = 'a' * 1000 %}{{ s|replace('a', s)|replace('a', s) }}", "chuỗi dài quá"),
    ("{{ ('a' * 1000).replace('a', 'b' * 100000) }}", "chuỗi dài quá"),
    ("{{ 'x' * 10**9 }}", "dài quá"),
    ("{{ ('x' * 1000, ) * 10000 }}", "chuỗi dài quá"),
    ("{{ ('a ' * 1000)|wordwrap(1, wrapstring='x' * 9000) }}", "chuỗi dài quá"),
    ("{{ range(10000)|join('x' * 1000) }}", "chuỗi dài quá"),
    ("{{ ('x' * 1000).join(range(10000)|map('string')) }}", "chuỗi dài quá"),
    ("{{ 'x'.ljust(10**8) }}", "quá lớn"),
    ("{{ ('\t' * 1000).expandtabs(10**6) }}", "chuỗi dài quá"),
    ("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
     "{% endfor %}", "chuỗi dài quá"),
    (BIG_MACRO + "{% for j in range(100) %}{{ m()|length }}{% endfor %}", "thư dựng ra dài quá"),
    ("{% for i in range(10000) %}{% include '_cac_muc.txt' %}{% include '_cac_muc.txt' %}"
     "{% endfor %}", "dài quá"),
    ("{{ range(10000)|batch(10**9, 'x')|list|length }}", "danh sách quá"),
    ("{{ (2 ** 4000) * (2 ** 4000) }}", "quá lớn"),
    ("{% set n = 2 ** 2000 %}{{ n * n * n }}", "số quá lớn"),
]  # fmt: skip


def with_line(extra: str) -> tuple[dict[str, str], int]:
    """The shipped templates with ``extra`` as a new last line of digest.txt; its line."""
    sources = dict(SHIPPED)
    sources["digest.txt"] = SHIPPED["digest.txt"].rstrip("\n") + "\n" + extra + "\n"
    return sources, len(sources["digest.txt"].splitlines())


@pytest.mark.parametrize(("extra", "said"), HOSTILE)
def test_a_template_that_would_exhaust_the_machine_is_refused_at_its_line(
    extra: str, said: str
) -> None:
    sources, line = with_line(extra)
    started = time.monotonic()

    with pytest.raises(ConfigError) as refused, time_budget(3.0):
        TemplateSet.from_sources(sources)

    assert time.monotonic() - started < 5
    problems = refused.value.problems  # one per sample digest, unless both say the same
    assert ("digest.txt", line) in [(p.location.file, p.location.row) for p in problems]
    assert all(said in problem.message for problem in problems)


def test_a_slow_template_is_refused_past_its_time() -> None:
    slow = "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
    sources, _ = with_line(slow + "{{ f(25) }}")
    started = time.monotonic()

    with pytest.raises(ConfigError) as refused, time_budget(0.2):
        TemplateSet.from_sources(sources)

    assert time.monotonic() - started < 3
    (problem,) = refused.value.problems
    assert problem.location.file == "digest.txt" and problem.location.row is not None
    assert "quá thời gian" in problem.message or "bước" in problem.message


def test_the_shipped_templates_render_as_in_a_plain_sandbox() -> None:
    templates = TemplateSet.from_sources(SHIPPED)
    for digest in sample_digests():
        mail = templates.render(digest)
        assert digest.name in mail.text or digest.to in mail.text
        assert "</html>" in mail.html or "<p" in mail.html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% for i in range(3) %}{{ loop.index }}{% if loop.last %}.{% endif %}{% endfor %}",
         "123."),
        ("{{ 'a' ~ 1 ~ 'b' }}|{{ [1, 2]|join(', ') }}|{{ '%05d' % 42 }}|{{ '{:>4}'.format(7) }}",
         "a1b|1, 2|00042|   7"),
        ("{{ 'x'|center(5) }}|{{ 'a\nb'|indent(2, true) }}|{{ 'abc'|replace('b', 'BB') }}",
         "  x  |  a\n  b|aBBc"),
        ("{% for x in [] %}{% else %}rỗng{% endfor %}|{{ (range(5)|list)[-1] }}", "rỗng|4"),
    ],
)  # fmt: skip
def test_ordinary_templates_work_unchanged(source: str, expected: str) -> None:
    assert BoundedSandbox().from_string(source).render() == expected


def test_each_render_has_a_budget_of_its_own() -> None:
    env = BoundedSandbox(limits=Limits(steps=300))
    template = env.from_string("{% for i in range(250) %}{{ i }}{% endfor %}")

    for _ in range(5):  # 250 steps each: never added up across renders
        assert template.render().endswith("249")
    with pytest.raises(TemplateBoundError, match="bước"):  # the count is read every 64 steps
        env.from_string("{% for i in range(400) %}{% endfor %}").render()
