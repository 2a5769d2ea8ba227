"""Rendering digests with the sandboxed, admin-edited templates of config/templates."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from engine.errors import ConfigError
from notifications.digest import Digest, ResolvedRecipient, build_digests, recipient_key
from notifications.render import (
    TEMPLATE_FILTERS,
    TEMPLATE_VARIABLES,
    RenderedMessage,
    TemplateSet,
    check_templates,
    format_days,
    format_document_date,
    render_digest,
    render_plan,
    sample_digests,
)
from rules.escalation import Role, StepKind, parse_ladder
from rules.ladder import PlannedMessage

REPO = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATES = REPO / "config" / "templates"
TODAY = date(2026, 11, 23)
ORG = "xuan-duong"
HEAD = ResolvedRecipient("Nguyễn Văn A", "Trưởng phòng", "anv@xuanduong.example.vn", Role.LEAD_HEAD)


def message(
    kind: StepKind,
    task_id: int,
    ref: str,
    work: str,
    due: date,
    *,
    days_late: int = 0,
    template: str = "digest",
) -> PlannedMessage:
    step = {StepKind.BEFORE_DUE: "before-3", StepKind.OVERDUE: "overdue-lead-head"}[kind]
    return PlannedMessage(
        kind=kind,
        step_id=step,
        config_version="2026-01-01",
        template=template,
        role=Role.LEAD_HEAD,
        named=None,
        org=ORG,
        task_id=task_id,
        ref=ref,
        work=work,
        report=None,
        period=None,
        lead_unit="phong-tu-phap",
        due=due,
        effective_due=due,
        days_late=days_late,
        occurrence=0,
        deadline_version=1,
        unclear=(),
        ledger_key=f"task:{task_id}|{step}|0|lead_head|v1",
    )


def unit_head_digest(
    work_of_first: str = "Xây dựng Kế hoạch cải cách hành chính năm 2027",
) -> Digest:
    """Phòng Tư pháp's head: two tasks due soon, one overdue by 3 working days."""
    messages = [
        message(StepKind.BEFORE_DUE, 1, "1.2", work_of_first, date(2026, 11, 26)),
        message(
            StepKind.BEFORE_DUE, 2, "1.3", "Rà soát văn bản quy phạm pháp luật", date(2026, 11, 26)
        ),
        message(
            StepKind.OVERDUE,
            3,
            "2.4",
            "Công bố thủ tục hành chính thuộc thẩm quyền giải quyết của xã",
            date(2026, 11, 18),
            days_late=3,
            template="escalation",
        ),
    ]
    plan = build_digests(
        messages,
        recipients={recipient_key(m): [HEAD] for m in messages},
        today=TODAY,
        org_names={ORG: "Ủy ban nhân dân xã Xuân Dương"},
        unit_names={(ORG, "phong-tu-phap"): "Phòng Tư pháp"},
    )
    return plan.digests[0]


@pytest.fixture(scope="module")
def templates() -> TemplateSet:
    return TemplateSet.load(DEFAULT_TEMPLATES)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the default templates to break."""
    target = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, target)
    return target


def edit(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(folder: Path, file: str, needle: str) -> int:
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def problems(error: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


# --- the default templates ----------------------------------------------------------------


def test_the_default_templates_load_and_cover_the_ladder(templates: TemplateSet) -> None:
    assert templates.names == ("digest", "escalation")
    ladder = parse_ladder(
        (REPO / "config" / "escalation.yaml").read_text("utf-8"), "escalation.yaml"
    )
    checked = check_templates(DEFAULT_TEMPLATES, names={step.template for step in ladder.steps})
    assert checked.names == templates.names


@pytest.mark.parametrize("name", ["digest", "escalation"])
def test_every_default_template_renders_every_sample(templates: TemplateSet, name: str) -> None:
    for digest in sample_digests():
        rendered = render_digest(replace(digest, template=name), templates)
        assert rendered.subject.startswith("[Sáu Rõ]")
        assert "\n" not in rendered.subject
        assert rendered.text.startswith("Kính gửi: ")
        assert rendered.html.startswith("<!DOCTYPE html>")
        assert rendered.template == name


def test_the_subject_line(templates: TemplateSet) -> None:
    digest = replace(unit_head_digest(), template="digest")
    assert render_digest(digest, templates).subject == (
        "[Sáu Rõ] Phòng Tư pháp: 2 nhiệm vụ sắp đến hạn, 1 nhiệm vụ quá hạn — 23/11/2026"
    )
    escalation = render_digest(replace(digest, template="escalation"), templates)
    assert escalation.subject == (
        "[Sáu Rõ][Cần chỉ đạo] Phòng Tư pháp: 2 nhiệm vụ sắp đến hạn, 1 nhiệm vụ quá hạn "
        "— 23/11/2026"
    )


@pytest.mark.parametrize("part", ["text", "html"])
def test_bodies_show_every_task_in_vietnamese(templates: TemplateSet, part: str) -> None:
    rendered = render_digest(unit_head_digest(), templates)
    body = getattr(rendered, part)
    for expected in [
        "Nguyễn Văn A",
        "Trưởng phòng",
        "1.2",
        "Xây dựng Kế hoạch cải cách hành chính năm 2027",
        "1.3",
        "Rà soát văn bản quy phạm pháp luật",
        "2.4",
        "Công bố thủ tục hành chính thuộc thẩm quyền giải quyết của xã",
        "26/11/2026",
        "18/11/2026",
        "3 ngày làm việc",
        "Phòng Tư pháp",
        "Sắp đến hạn" if part == "html" else "SẮP ĐẾN HẠN",
        "Quá hạn" if part == "html" else "QUÁ HẠN",
        "Căn cứ nhắc: báo quá hạn",  # in words (no ladder in this digest)
        "23/11/2026",
    ]:
        assert expected in body, expected
    assert "2026-11-26" not in body  # dates are never ISO in a mail
    assert "overdue-lead-head" not in body  # never a step code
    assert "cấu hình 2026-01-01" not in body  # nor a config date


def test_the_rendered_message_carries_address_and_ledger_keys(templates: TemplateSet) -> None:
    digest = unit_head_digest()
    rendered = render_digest(digest, templates)
    assert isinstance(rendered, RenderedMessage)
    assert (rendered.to, rendered.to_name) == (HEAD.email, HEAD.name)
    assert rendered.ledger_keys == digest.ledger_keys
    assert rendered.template == "escalation"  # the overdue step's template wins
    assert rendered.text.endswith("\n")


def test_render_plan_renders_every_digest_in_order(templates: TemplateSet) -> None:
    digests = sample_digests()
    plan_like = build_digests([], recipients={}, today=TODAY, org_names={})
    assert render_plan(plan_like, templates) == ()
    rendered = render_plan(replace(plan_like, digests=digests), templates)
    assert [message.to for message in rendered] == [digest.to for digest in digests]


def test_task_text_is_escaped_in_html_only(templates: TemplateSet) -> None:
    evil = "<script>alert('x')</script> & <b>đậm</b>"
    rendered = render_digest(unit_head_digest(evil), templates)
    assert "<script>" not in rendered.html
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;đậm&lt;/b&gt;"
        in rendered.html
    )
    assert evil in rendered.text


def test_the_subject_is_always_one_line(folder: Path) -> None:
    (folder / "digest.subject.txt").write_text(
        "[Sáu Rõ]\r\n{{ digest.scope_name }}\nBcc: x@y.vn\n", encoding="utf-8"
    )
    rendered = render_digest(
        replace(unit_head_digest(), template="digest"), TemplateSet.load(folder)
    )
    assert rendered.subject == "[Sáu Rõ] Phòng Tư pháp Bcc: x@y.vn"


def test_filters() -> None:
    assert format_document_date(date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"
    assert format_document_date(date(2026, 6, 5)) == "ngày 05 tháng 6 năm 2026"
    assert format_document_date(date(2026, 11, 23)) == "ngày 23 tháng 11 năm 2026"
    assert format_days(3) == "3 ngày làm việc"
    sources = {
        "f.subject.txt": "{{ today | ngay }} {{ today | ngay_thang }} {{ 0 | so_ngay }}",
        "f.txt": "{% for i in digest.due_soon[:1] %}{{ i.due }}|{{ none }}|{{ i.unclear }}"
        "{% endfor %}",
        "f.html": "x",
    }
    rendered = TemplateSet.from_sources(sources).render(replace(unit_head_digest(), template="f"))
    assert rendered.subject == "23/11/2026 ngày 23 tháng 11 năm 2026 0 ngày làm việc"
    assert rendered.text == "26/11/2026||\n"
    assert set(TEMPLATE_FILTERS) == {"ngay", "ngay_thang", "so_ngay"}
    assert "item.days_late" in TEMPLATE_VARIABLES


# --- errors with file and line ---------------------------------------------------------------


def test_an_unknown_variable_is_reported_with_file_and_line(folder: Path) -> None:
    edit(folder, "digest.html", "{{ digest.summary }}", "{{ tên_sai }}")
    line = line_of(folder, "digest.html", "tên_sai")
    with pytest.raises(ConfigError) as error:
        TemplateSet.load(folder)
    assert f"digest.html, dòng {line}: biến 'tên_sai' không tồn tại" in str(error.value)
    assert error.value.message == f"Mẫu thư trong {folder} không hợp lệ (1 lỗi)"


def test_an_unknown_variable_in_a_branch_no_sample_reaches(folder: Path) -> None:
    edit(
        folder,
        "digest.txt",
        "Kính gửi:",
        "{% if digest.to == 'không-ai@x.vn' %}{{ ten_sai }}{% endif %}Kính gửi:",
    )
    line = line_of(folder, "digest.txt", "ten_sai")
    with pytest.raises(ConfigError) as error:
        TemplateSet.load(folder)
    assert problems(error) == [
        f"digest.txt, dòng {line}: biến 'ten_sai' không tồn tại "
        "(các biến có sẵn: digest, sections, today)"
    ]


def test_an_unknown_attribute_is_reported_in_the_shared_part(folder: Path) -> None:
    edit(folder, "_cac_muc.txt", "{{ item.work }}", "{{ item.noi_dung }}")
    line = line_of(folder, "_cac_muc.txt", "item.noi_dung")
    with pytest.raises(ConfigError) as error:
        TemplateSet.load(folder)
    (problem,) = {str(p) for p in error.value.problems}
    assert problem.startswith(f"_cac_muc.txt, dòng {line}: thuộc tính 'noi_dung' không tồn tại")


def test_a_syntax_error_is_reported_with_file_and_line(folder: Path) -> None:
    edit(folder, "escalation.txt", "{% include", "{% for x in %}\n{% include")
    line = line_of(folder, "escalation.txt", "{% for x in %}")
    with pytest.raises(ConfigError) as error:
        TemplateSet.load(folder)
    (problem,) = problems(error)
    assert problem.startswith(f"escalation.txt, dòng {line}: sai cú pháp")


def test_an_unclosed_block_and_an_unknown_tag(folder: Path) -> None:
    edit(folder, "digest.subject.txt", "[Sáu Rõ]", "{% if today %}[Sáu Rõ]")
    edit(folder, "escalation.subject.txt", "[Sáu Rõ]", "{% endfor %}[Sáu Rõ]")
    with pytest.raises(ConfigError) as error:
        TemplateSet.load(folder)
    said = "\n".join(problems(error))
    assert "digest.subject.txt, dòng" in said
    assert "mẫu kết thúc khi một khối lệnh chưa đóng" in said
    assert "escalation.subject.txt, dòng 6: sai cú pháp: lệnh 'endfor'" in said


def test_every_problem_is_reported_at_once(folder: Path) -> None:
    edit(folder, "digest.html", "{{ digest.summary }}", "{{ sai_1 }}")
    edit(folder, "escalation.txt", "{{ digest.summary }}", "{{ sai_2 }}")
    (folder / "escalation.subject.txt").unlink()
    (folder / "Thu Moi.html").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        TemplateSet.load(folder)
    said = "\n".join(problems(error))
    assert "biến 'sai_1' không tồn tại" in said
    assert "biến 'sai_2' không tồn tại" in said
    assert "escalation.subject.txt: thiếu tệp này của mẫu thư 'escalation'" in said
    assert "Thu Moi.html: tên tệp mẫu không hợp lệ" in said
    assert str(error.value).startswith(f"Mẫu thư trong {folder} không hợp lệ (4 lỗi)")


def test_a_missing_shared_part(folder: Path) -> None:
    (folder / "_cac_muc.html").unlink()
    with pytest.raises(ConfigError) as error:
        TemplateSet.load(folder)
    assert "không có tệp mẫu '_cac_muc.html'" in str(error.value)
    assert any(p.location.file == "digest.html" for p in error.value.problems)


def test_a_file_not_in_utf8(folder: Path) -> None:
    (folder / "digest.txt").write_bytes(b"K\xednh g\xf6i")  # Latin-1, not UTF-8
    with pytest.raises(
        ConfigError, match=r"digest\.txt: không đọc được: tệp phải lưu với bảng mã UTF-8"
    ):
        TemplateSet.load(folder)


def test_other_files_are_ignored_and_a_missing_folder_is_an_error(folder: Path) -> None:
    (folder / "README.md").write_text("ghi chú", encoding="utf-8")
    (folder / "digest.html.bak").write_text("{{ broken", encoding="utf-8")
    assert TemplateSet.load(folder).names == ("digest", "escalation")
    with pytest.raises(ConfigError, match="không có thư mục mẫu thư"):
        TemplateSet.load(folder / "khong-co")


def test_a_template_the_ladder_names_must_exist(folder: Path) -> None:
    with pytest.raises(ConfigError) as error:
        check_templates(folder, names=["digest", "nhac-gap"])
    (problem,) = problems(error)
    assert "không có mẫu thư 'nhac-gap'" in problem
    assert "nhac-gap.subject.txt, nhac-gap.txt, nhac-gap.html" in problem
    with pytest.raises(ConfigError, match="không có mẫu thư 'nhac-gap'"):
        render_digest(replace(unit_head_digest(), template="nhac-gap"), TemplateSet.load(folder))


def test_an_error_only_real_data_reaches_is_a_config_error_at_render(folder: Path) -> None:
    edit(
        folder,
        "digest.txt",
        "Kính gửi:",
        "{% if digest.name == 'Nguyễn Văn A' %}{{ 1 / 0 }}{% endif %}Kính gửi:",
    )
    line = line_of(folder, "digest.txt", "1 / 0")
    templates = TemplateSet.load(folder)  # no sample is called Nguyễn Văn A
    with pytest.raises(ConfigError) as error:
        render_digest(replace(unit_head_digest(), template="digest"), templates)
    (problem,) = problems(error)
    assert problem.startswith(f"digest.txt, dòng {line}: lỗi khi dựng thư (ZeroDivisionError")


# --- the sandbox ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__",
        "''.__class__.__mro__[1].__subclasses__()",
        "cycler.__init__.__globals__",
        "joiner.__init__.__globals__.os",
        "namespace.__init__.__globals__",
        "digest.__class__",
        "digest.__init__.__globals__",
        "digest.due_soon.__len__",
        "sections[0].items.__class__",
        "'{0.__class__.__mro__}'.format(digest)",
        "range.__globals__",
        "today.__class__.__subclasses__()",
    ],
)
def test_reaching_python_internals_is_refused(folder: Path, expression: str) -> None:
    edit(folder, "digest.txt", "Kính gửi:", "{{ " + expression + " }}\nKính gửi:")
    line = line_of(folder, "digest.txt", expression)
    with pytest.raises(ConfigError) as error:
        TemplateSet.load(folder)
    (problem,) = set(problems(error))
    assert problem.startswith(f"digest.txt, dòng {line}: truy cập '__")
    assert "là thao tác không an toàn nên bị chặn" in problem


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        ("{% set x = [] %}{{ x.append(1) }}", "không an toàn"),
        ("{% set d = {} %}{{ d.update(a=1) }}", "không an toàn"),
        ("{{ 9 ** 999999 }}", "lũy thừa quá lớn"),
        ("{{ ((9 ** 60) ** 60) ** 60 }}", "lũy thừa quá lớn"),
        ("{{ 'a' * 100000000 }}", "chuỗi dài quá"),
        ("{{ [1] * 100000000 }}", "danh sách quá"),
        ("{% for i in range(100000000) %}{% endfor %}", "range quá lớn (tối đa 10.000 số)"),
        ("{{ lipsum(1000000) }}", "biến 'lipsum' không tồn tại"),
    ],
)
def test_mutation_and_resource_abuse_are_refused(folder: Path, statement: str, said: str) -> None:
    edit(folder, "digest.txt", "Kính gửi:", statement + "\nKính gửi:")
    line = line_of(folder, "digest.txt", statement)
    with pytest.raises(ConfigError) as error:
        TemplateSet.load(folder)
    (problem,) = set(problems(error))
    assert problem.startswith(f"digest.txt, dòng {line}: ")
    assert said in problem


def test_data_is_never_run_as_a_template(templates: TemplateSet) -> None:
    sneaky = "{{ ''.__class__ }} {% for x in range(3) %}x{% endfor %}"
    rendered = render_digest(unit_head_digest(sneaky), templates)
    assert sneaky in rendered.text
    assert "{{ &#39;&#39;.__class__ }}" in rendered.html


def test_a_notice_mailed_alone_is_titled_by_what_happened(templates: TemplateSet) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from notifications.digest import NewsItem

    at = datetime(2024, 6, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    news = NewsItem(
        to="tungvt@kientuong.example.vn", name="Võ Thanh Tùng", title="Trưởng phòng",
        org="kien-tuong", org_name="Ủy ban nhân dân thị xã Kiến Tường",
        kind_label="Kết quả bị trả lại", headline="Kết quả nhiệm vụ 2.1 bị trả lại",
        body="Lý do: thiếu phụ lục.", at=at,
        link="https://sauro.example.vn/tasks/12", ledger_key="notice:7|email",
    )  # fmt: skip
    (digest,) = build_digests(
        (), recipients={}, today=date(2024, 6, 10), org_names={}, news=[news]
    ).digests
    rendered = templates.render(digest)
    assert rendered.subject == "[Sáu Rõ] Kết quả nhiệm vụ 2.1 bị trả lại"
    assert "Xem và xử lý: https://sauro.example.vn/tasks/12" in rendered.text
    assert 'href="https://sauro.example.vn/tasks/12"' in (rendered.html or "")
