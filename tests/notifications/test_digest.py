"""One digest per recipient address per run; bad addresses become findings, never crashes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from engine.calendar.workdays import WorkCalendar, parse_calendar
from notifications.digest import (
    AddressProblem,
    DigestPlan,
    ResolvedRecipient,
    Section,
    build_digests,
    period_label,
    recipient_key,
)
from rules.escalation import Role, StepKind, parse_ladder
from rules.ladder import PlannedMessage, ReportSnapshot, TaskSnapshot, plan

TODAY = date(2026, 11, 23)  # a Monday
ORG = "xuan-duong"
VERSION = "2026-01-01"
ORG_NAMES = {ORG: "Ủy ban nhân dân xã Xuân Dương"}
UNIT_NAMES = {
    (ORG, "phong-tu-phap"): "Phòng Tư pháp",
    (ORG, "van-phong"): "Văn phòng HĐND và UBND",
}
HEAD = ResolvedRecipient("Nguyễn Văn A", "Trưởng phòng", "anv@xuanduong.example.vn", Role.LEAD_HEAD)
OFFICER = ResolvedRecipient(
    "Lê Thị Bình", "Chuyên viên", "binhlt@xuanduong.example.vn", Role.PERSON
)
OFFICE = ResolvedRecipient(
    "Trần Thị Thu Hà", "Chánh Văn phòng", "hattt@xuanduong.example.vn", Role.STANDING_OFFICE
)
CHAIRMAN = ResolvedRecipient(
    "Phạm Văn Đức", "Chủ tịch UBND xã", "chutich@xuanduong.example.vn", Role.CHAIRMAN
)

_TEMPLATES = {
    StepKind.BEFORE_DUE: "digest",
    StepKind.DUE_DAY: "digest",
    StepKind.OVERDUE: "escalation",
    StepKind.UNCLEAR: "digest",
    StepKind.MISSING_REPORT: "digest",
    StepKind.AWAITING: "digest",
}


def message(
    kind: StepKind = StepKind.BEFORE_DUE,
    role: Role = Role.LEAD_HEAD,
    *,
    task_id: int = 1,
    ref: str = "1.2",
    work: str = "Xây dựng Kế hoạch cải cách hành chính năm 2027",
    due: date | None = date(2026, 11, 26),
    effective_due: date | None = None,
    days_late: int = 0,
    step_id: str | None = None,
    unit: str | None = "phong-tu-phap",
    named: str | None = None,
    unclear: tuple[str, ...] = (),
    period: str | None = None,
    template: str | None = None,
    org: str = ORG,
) -> PlannedMessage:
    """A planned message as the ladder would plan it; a unit report when ``period`` is set."""
    step = step_id or kind.value.replace("_", "-")
    report = f"{org}/{unit}/{period}" if period else None
    subject = f"report:{report}" if report else f"task:{task_id}"
    recipient = f"named:{named}" if role is Role.NAMED else role.value
    return PlannedMessage(
        kind=kind,
        step_id=step,
        config_version=VERSION,
        template=template or _TEMPLATES[kind],
        role=role,
        named=named,
        org=org,
        task_id=None if report else task_id,
        ref="" if report else ref,
        work="" if report else work,
        report=report,
        period=period,
        lead_unit=unit,
        due=due,
        effective_due=effective_due or due,
        days_late=days_late,
        occurrence=0,
        deadline_version=1,
        unclear=unclear,
        ledger_key=f"{subject}|{step}|0|{recipient}|v1",
    )


def directory(
    messages: Sequence[PlannedMessage], people: Mapping[Role, Sequence[ResolvedRecipient]]
) -> dict[str, list[ResolvedRecipient]]:
    """What the engine would resolve: every message of a role to the same people."""
    return {recipient_key(m): list(people[m.role]) for m in messages if m.role in people}


def build(
    messages: Sequence[PlannedMessage],
    people: Mapping[Role, Sequence[ResolvedRecipient]] | None = None,
    *,
    recipients: Mapping[str, Sequence[ResolvedRecipient]] | None = None,
) -> DigestPlan:
    if recipients is None:
        recipients = directory(messages, people or {Role.LEAD_HEAD: [HEAD]})
    return build_digests(
        messages, recipients=recipients, today=TODAY, org_names=ORG_NAMES, unit_names=UNIT_NAMES
    )


# --- grouping --------------------------------------------------------------------------


def test_one_digest_per_recipient_with_sections_and_counts() -> None:
    messages = [
        message(task_id=1, ref="1.2", due=date(2026, 11, 26), step_id="before-3"),
        message(task_id=2, ref="1.10", due=date(2026, 11, 26), step_id="before-3"),
        message(
            StepKind.OVERDUE,
            task_id=3,
            ref="2.1",
            work="Rà soát thủ tục hành chính",
            due=date(2026, 11, 18),
            days_late=3,
            step_id="overdue-lead-head",
        ),
    ]
    result = build(messages)
    assert len(result.digests) == 1
    digest = result.digests[0]
    assert (digest.to, digest.name, digest.title) == (HEAD.email, HEAD.name, HEAD.title)
    assert [item.ref for item in digest.due_soon] == ["1.2", "1.10"]  # natural order
    assert [item.ref for item in digest.overdue] == ["2.1"]
    assert digest.due_today == digest.unclear == digest.missing_report == ()
    assert [section.key for section in digest.sections] == [Section.DUE_SOON, Section.OVERDUE]
    assert digest.count == 3
    assert digest.summary == "2 nhiệm vụ sắp đến hạn, 1 nhiệm vụ quá hạn"
    assert digest.scope_name == "Phòng Tư pháp"
    assert digest.template == "escalation"  # the most serious step's template
    assert digest.ledger_keys == tuple(m.ledger_key for m in messages)
    assert result.findings == ()


def test_item_carries_what_the_mail_shows_and_where_it_came_from() -> None:
    overdue = message(
        StepKind.OVERDUE,
        due=date(2026, 11, 14),  # a Saturday
        effective_due=date(2026, 11, 16),
        days_late=5,
        step_id="overdue-lead-head",
    )
    item = build([overdue]).digests[0].overdue[0]
    assert (item.ref, item.work) == ("1.2", "Xây dựng Kế hoạch cải cách hành chính năm 2027")
    assert (item.due, item.effective_due, item.moved) == (
        date(2026, 11, 14),
        date(2026, 11, 16),
        True,
    )
    assert item.days_late == 5
    assert (item.lead_unit, item.lead_unit_name) == ("phong-tu-phap", "Phòng Tư pháp")
    assert item.org_name == "Ủy ban nhân dân xã Xuân Dương"
    assert (item.step_ids, item.config_version) == (("overdue-lead-head",), VERSION)
    assert item.rule == "báo quá hạn"  # no ladder given: the kind in words, never a code
    assert item.link == ""  # no base address: no link
    assert item.ledger_keys == (overdue.ledger_key,)
    assert item.label == "nhiệm vụ 1.2"


def test_sections_follow_the_step_kinds_in_a_fixed_order() -> None:
    messages = [
        message(StepKind.MISSING_REPORT, unit="van-phong", period="2026-Q3", due=date(2026, 9, 10)),
        message(StepKind.UNCLEAR, task_id=4, ref="4.1", due=None, unclear=("deadline",)),
        message(StepKind.OVERDUE, task_id=3, ref="3", due=date(2026, 11, 20), days_late=1),
        message(StepKind.DUE_DAY, task_id=2, ref="2", due=TODAY),
        message(StepKind.BEFORE_DUE, task_id=1, ref="1"),
        message(StepKind.AWAITING, task_id=7, ref="7", due=date(2026, 11, 30)),
    ]
    digest = build(messages).digests[0]
    assert [section.key for section in digest.sections] == list(Section)
    assert [section.title for section in digest.sections] == [
        "Kết quả chờ xác nhận",
        "Sắp đến hạn",
        "Đến hạn hôm nay",
        "Quá hạn",
        "Chưa đạt 6 rõ",
        "Báo cáo chưa gửi",
    ]
    assert digest.summary == (
        "1 nhiệm vụ chờ xác nhận kết quả, "
        "1 nhiệm vụ sắp đến hạn, 1 nhiệm vụ đến hạn hôm nay, "
        "1 nhiệm vụ quá hạn, 1 nhiệm vụ chưa đạt 6 rõ, 1 báo cáo chưa gửi"
    )
    report = digest.missing_report[0]
    assert report.is_report
    assert report.label == "báo cáo quý III/2026 của Văn phòng HĐND và UBND"
    # Items of several units: the digest speaks of the organization.
    assert digest.scope_name == "Ủy ban nhân dân xã Xuân Dương"
    assert digest.ledger_keys[0] == messages[5].ledger_key  # keys follow the mail's order


def test_items_are_ordered_by_due_date_then_reference() -> None:
    messages = [
        message(task_id=1, ref="2.1", due=date(2026, 11, 27)),
        message(task_id=2, ref="1.10", due=date(2026, 11, 26)),
        message(task_id=3, ref="1.9", due=date(2026, 11, 26)),
        message(task_id=4, ref="I.3", due=date(2026, 11, 26)),
    ]
    digest = build(messages).digests[0]
    assert [item.ref for item in digest.due_soon] == ["1.9", "1.10", "I.3", "2.1"]


def test_digests_are_ordered_by_address_and_are_stable() -> None:
    zed = ResolvedRecipient("Zed", "", "zed@xuanduong.example.vn", Role.CHAIRMAN)
    messages = [
        message(StepKind.OVERDUE, Role.CHAIRMAN, days_late=10, due=date(2026, 11, 9)),
        message(StepKind.OVERDUE, Role.LEAD_HEAD, days_late=10, due=date(2026, 11, 9)),
    ]
    people = {Role.CHAIRMAN: [zed], Role.LEAD_HEAD: [HEAD]}
    first = build(messages, people)
    assert [digest.to for digest in first.digests] == [HEAD.email, zed.email]
    assert build(list(reversed(messages)), people) == first


def test_the_same_task_reaches_two_recipients() -> None:
    messages = [message(role=Role.PERSON), message(role=Role.LEAD_HEAD)]
    result = build(messages, {Role.PERSON: [OFFICER], Role.LEAD_HEAD: [HEAD]})
    assert [digest.to for digest in result.digests] == [HEAD.email, OFFICER.email]
    for digest, planned in zip(result.digests, reversed(messages), strict=True):
        assert [item.ref for item in digest.due_soon] == ["1.2"]
        assert digest.ledger_keys == (planned.ledger_key,)
    assert result.ledger_keys == (messages[1].ledger_key, messages[0].ledger_key)


def test_one_address_reached_through_two_roles_gets_one_item() -> None:
    """The unit head is also the task's officer: one item, both ledger keys, both roles."""
    head_as_person = ResolvedRecipient(HEAD.name, HEAD.title, HEAD.email, Role.PERSON)
    messages = [message(role=Role.PERSON), message(role=Role.LEAD_HEAD)]
    result = build(messages, {Role.PERSON: [head_as_person], Role.LEAD_HEAD: [HEAD]})
    (digest,) = result.digests
    (item,) = digest.due_soon
    assert item.ledger_keys == (messages[0].ledger_key, messages[1].ledger_key)
    assert item.step_ids == ("before-due",)
    assert digest.roles == (Role.PERSON, Role.LEAD_HEAD)
    assert digest.role_labels == ("Người thực hiện nhiệm vụ", "Thủ trưởng đơn vị chủ trì")


def test_unclear_dimensions_sent_to_one_address_are_merged_in_dimension_order() -> None:
    messages = [
        message(StepKind.UNCLEAR, Role.STANDING_OFFICE, due=None, unclear=("result", "deadline")),
        message(StepKind.UNCLEAR, Role.LEAD_HEAD, due=None, unclear=("person",)),
    ]
    office_is_head = ResolvedRecipient(HEAD.name, HEAD.title, HEAD.email, Role.STANDING_OFFICE)
    digest = build(messages, {Role.STANDING_OFFICE: [office_is_head], Role.LEAD_HEAD: [HEAD]})
    (item,) = digest.digests[0].unclear
    assert item.unclear == ("person", "deadline", "result")
    assert item.unclear_labels == ("Rõ người", "Rõ thời gian", "Rõ kết quả")


def test_configured_dimension_labels_are_used() -> None:
    planned = [message(StepKind.UNCLEAR, due=None, unclear=("result",))]
    result = build_digests(
        planned,
        recipients=directory(planned, {Role.LEAD_HEAD: [HEAD]}),
        today=TODAY,
        org_names=ORG_NAMES,
        dimension_labels={"result": "Rõ sản phẩm"},
    )
    item = result.digests[0].unclear[0]
    assert item.unclear_labels == ("Rõ sản phẩm",)
    assert item.lead_unit_name == "phong-tu-phap"  # no unit names given: the code shows


def test_addresses_differing_only_in_case_get_one_mail() -> None:
    shouting = ResolvedRecipient(HEAD.name, HEAD.title, "ANV@XuanDuong.Example.VN", Role.CHAIRMAN)
    messages = [message(role=Role.LEAD_HEAD), message(role=Role.CHAIRMAN, task_id=2, ref="9")]
    result = build(messages, {Role.LEAD_HEAD: [HEAD], Role.CHAIRMAN: [shouting]})
    assert len(result.digests) == 1
    assert result.digests[0].count == 2


def test_one_role_resolved_to_several_people() -> None:
    planned = [message(StepKind.UNCLEAR, Role.STANDING_OFFICE, due=None, unclear=("work",))]
    deputy = ResolvedRecipient(
        "Võ Minh Tâm", "Phó Chánh Văn phòng", "tamvm@x.vn", Role.STANDING_OFFICE
    )
    result = build(planned, {Role.STANDING_OFFICE: [OFFICE, deputy]})
    assert [digest.to for digest in result.digests] == ["hattt@xuanduong.example.vn", "tamvm@x.vn"]
    assert all(digest.ledger_keys == (planned[0].ledger_key,) for digest in result.digests)


# --- addresses that cannot be used --------------------------------------------------------


def test_a_head_without_an_address_is_a_finding() -> None:
    no_mail = ResolvedRecipient("Nguyễn Văn A", "Trưởng phòng", None, Role.LEAD_HEAD)
    messages = [message(task_id=1, ref="1.2"), message(task_id=2, ref="1.3")]
    result = build(messages, {Role.LEAD_HEAD: [no_mail]})
    assert result.digests == ()
    (finding,) = result.findings
    assert finding.problem is AddressProblem.NO_EMAIL
    assert finding.who == "Thủ trưởng Phòng Tư pháp"
    assert finding.subjects == ("nhiệm vụ 1.2", "nhiệm vụ 1.3")
    assert finding.ledger_keys == tuple(m.ledger_key for m in messages)
    assert finding.message == (
        "Thủ trưởng Phòng Tư pháp (Nguyễn Văn A) chưa có địa chỉ thư điện tử; "
        "chưa gửi được thư về nhiệm vụ 1.2, nhiệm vụ 1.3"
    )
    assert str(finding) == finding.message


def test_an_invalid_address_is_a_finding_and_others_still_get_mail() -> None:
    bad = ResolvedRecipient("Nguyễn Văn A", "Trưởng phòng", "abc@", Role.LEAD_HEAD)
    messages = [message(role=Role.LEAD_HEAD), message(role=Role.PERSON)]
    result = build(messages, {Role.LEAD_HEAD: [bad], Role.PERSON: [OFFICER]})
    assert [digest.to for digest in result.digests] == [OFFICER.email]
    (finding,) = result.findings
    assert finding.problem is AddressProblem.INVALID_EMAIL
    assert (finding.name, finding.email) == ("Nguyễn Văn A", "abc@")
    assert "Thủ trưởng Phòng Tư pháp (Nguyễn Văn A): địa chỉ 'abc@' không hợp lệ" in finding.message
    assert "thiếu tên miền sau dấu '@'" in finding.message
    assert set(result.ledger_keys).isdisjoint(finding.ledger_keys)


def test_a_role_nobody_holds_is_a_finding() -> None:
    messages = [
        message(StepKind.OVERDUE, Role.VICE_CHAIRMAN, days_late=5, due=date(2026, 11, 16)),
        message(StepKind.OVERDUE, Role.CHAIRMAN, days_late=10, due=date(2026, 11, 9)),
        message(StepKind.BEFORE_DUE, Role.PERSON, task_id=7, ref="7.1"),
    ]
    recipients: dict[str, list[ResolvedRecipient]] = {recipient_key(messages[1]): []}  # nobody
    result = build(messages, recipients=recipients)
    assert result.digests == ()
    messages_said = [finding.message for finding in result.findings]
    assert messages_said == [
        "Chủ tịch Ủy ban nhân dân xã Xuân Dương: chưa xác định được người nhận trong danh mục; "
        "chưa gửi được thư về nhiệm vụ 1.2",
        "Người thực hiện nhiệm vụ: chưa xác định được người nhận trong danh mục; "
        "chưa gửi được thư về nhiệm vụ 7.1",
        "Phó Chủ tịch phụ trách Phòng Tư pháp: chưa xác định được người nhận trong danh mục; "
        "chưa gửi được thư về nhiệm vụ 1.2",
    ]
    assert all(finding.problem is AddressProblem.NO_PERSON for finding in result.findings)
    assert result.findings_for(ORG) == result.findings
    assert result.findings_for("kien-tuong") == ()


def test_a_finding_names_at_most_five_subjects() -> None:
    no_mail = ResolvedRecipient("Nguyễn Văn A", "Trưởng phòng", "", Role.LEAD_HEAD)
    messages = [message(task_id=n, ref=f"1.{n}") for n in range(1, 9)]
    (finding,) = build(messages, {Role.LEAD_HEAD: [no_mail]}).findings
    assert finding.message.endswith("nhiệm vụ 1.5 và 3 mục khác")
    assert len(finding.ledger_keys) == 8


def test_a_missing_report_finding_names_the_report() -> None:
    planned = [
        message(StepKind.MISSING_REPORT, unit="van-phong", period="2026-Q1", due=date(2026, 3, 10))
    ]
    (finding,) = build(planned, recipients={}).findings
    assert finding.who == "Thủ trưởng Văn phòng HĐND và UBND"
    assert finding.subjects == ("báo cáo quý I/2026 của Văn phòng HĐND và UBND",)


def test_a_named_address_needs_no_directory_entry() -> None:
    planned = [
        message(StepKind.OVERDUE, Role.NAMED, named="giamsat@tinh.example.vn", days_late=3),
        message(StepKind.OVERDUE, Role.NAMED, named="giam sat@tinh", days_late=3, task_id=2),
        message(StepKind.OVERDUE, Role.NAMED, named="Nguyễn Văn Bảo", days_late=3, task_id=3),
    ]
    result = build(planned, recipients={})
    (digest,) = result.digests
    assert (digest.to, digest.name, digest.title) == ("giamsat@tinh.example.vn",) * 2 + ("",)
    unknown, invalid = result.findings  # by who: "Nguyễn…" sorts before "giam…"
    assert invalid.problem is AddressProblem.INVALID_EMAIL
    assert invalid.message.startswith(
        "Người nhận đích danh 'giam sat@tinh': địa chỉ 'giam sat@tinh' không hợp lệ"
    )
    assert unknown.problem is AddressProblem.NO_PERSON
    assert unknown.who == "Người nhận đích danh 'Nguyễn Văn Bảo'"


def test_a_directory_name_wins_over_a_bare_named_address() -> None:
    planned = [
        message(role=Role.NAMED, named=HEAD.email, task_id=1),
        message(role=Role.LEAD_HEAD, task_id=2, ref="2"),
    ]
    (digest,) = build(planned, recipients=directory(planned[1:], {Role.LEAD_HEAD: [HEAD]})).digests
    assert (digest.name, digest.title) == (HEAD.name, HEAD.title)


# --- keys and labels -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("planned", "key"),
    [
        (message(role=Role.PERSON, task_id=12), "xuan-duong|person|task:12"),
        (message(role=Role.LEAD_HEAD), "xuan-duong|lead_head|phong-tu-phap"),
        (message(role=Role.VICE_CHAIRMAN), "xuan-duong|vice_chairman|phong-tu-phap"),
        (message(role=Role.CHAIRMAN), "xuan-duong|chairman|"),
        (message(role=Role.STANDING_OFFICE, unit=None), "xuan-duong|standing_office|"),
        (message(role=Role.NAMED, named="a@x.vn"), "xuan-duong|named|a@x.vn"),
        (message(role=Role.LEAD_HEAD, unit=None), "xuan-duong|lead_head|"),
    ],
)
def test_recipient_key(planned: PlannedMessage, key: str) -> None:
    assert recipient_key(planned) == key


def test_the_chairman_is_resolved_once_for_every_unit() -> None:
    one = message(role=Role.CHAIRMAN, unit="phong-tu-phap")
    other = message(role=Role.CHAIRMAN, unit="van-phong", task_id=2)
    assert recipient_key(one) == recipient_key(other)


@pytest.mark.parametrize(
    ("period", "label"),
    [
        ("2026-Q1", "quý I/2026"),
        ("2026-Q3", "quý III/2026"),
        ("2026-Q4", "quý IV/2026"),
        ("2026-H1", "6 tháng đầu năm 2026"),
        ("2026-H2", "6 tháng cuối năm 2026"),
        ("2026", "năm 2026"),
        ("2026-Y", "năm 2026"),
        ("đợt 2", "đợt 2"),
        (None, ""),
    ],
)
def test_period_label(period: str | None, label: str) -> None:
    assert period_label(period) == label


# --- from the real ladder ---------------------------------------------------------------------


# Monday to Friday, no holidays: enough for a run on fixed dates.
WEEKDAYS = WorkCalendar(parse_calendar("version: 1\nuse_holidays_package: false\n", "test"))


def test_a_planned_run_becomes_one_mail_per_person() -> None:
    ladder_text = (Path(__file__).resolve().parents[2] / "config" / "escalation.yaml").read_text(
        encoding="utf-8"
    )
    ladder = parse_ladder(ladder_text, "escalation.yaml")

    base = TaskSnapshot(
        task_id=0,
        org=ORG,
        ref="",
        work="",
        state="open",
        due=None,
        deadline_version=1,
        lead_unit="phong-tu-phap",
        has_person=True,
    )

    def task(task_id: int, ref: str, due: date, **extra: Any) -> TaskSnapshot:
        work = f"Nhiệm vụ cải cách hành chính số {ref}"
        return replace(base, task_id=task_id, ref=ref, work=work, due=due, **extra)

    tasks = [
        task(1, "1.1", date(2026, 11, 26)),  # 3 working days ahead: before-3
        task(2, "1.2", TODAY),  # due-day
        task(3, "1.3", date(2026, 11, 18)),  # 3 working days late: head and standing office
        task(4, "1.4", date(2026, 12, 31), has_person=False, unclear=("person",)),
    ]
    reports = [ReportSnapshot(ORG, "phong-tu-phap", "2026-Q3", date(2026, 9, 10), False)]
    planned = plan(tasks, reports, today=TODAY, ladder=ladder, calendar=WEEKDAYS)
    people = {
        Role.PERSON: [OFFICER],
        Role.LEAD_HEAD: [HEAD],
        Role.STANDING_OFFICE: [OFFICE],
        Role.CHAIRMAN: [CHAIRMAN],
    }
    result = build(planned, people)
    by_name = {digest.name: digest for digest in result.digests}
    head = by_name[HEAD.name]
    assert head.summary == (
        "1 nhiệm vụ sắp đến hạn, 1 nhiệm vụ đến hạn hôm nay, 1 nhiệm vụ quá hạn, "
        "1 nhiệm vụ chưa đạt 6 rõ, 1 báo cáo chưa gửi"
    )
    assert head.overdue[0].days_late == 3
    assert head.template == "escalation"
    assert by_name[OFFICER.name].summary == ("1 nhiệm vụ sắp đến hạn, 1 nhiệm vụ đến hạn hôm nay")
    assert by_name[OFFICE.name].summary == "1 nhiệm vụ quá hạn"
    assert by_name[CHAIRMAN.name].summary == "1 báo cáo chưa gửi"
    # Every planned message is covered by exactly one mail or one finding.
    assert sorted(result.ledger_keys) == sorted(m.ledger_key for m in planned)
    assert result.findings == ()


# --- rules in words, links, event notices ---------------------------------------------------

LADDER_TEXT = (Path(__file__).parents[2] / "config" / "escalation.yaml").read_text("utf-8")


def test_items_name_their_rule_in_words_and_link_to_their_page() -> None:
    ladder = parse_ladder(LADDER_TEXT, "escalation.yaml")
    messages = [
        message(task_id=1, step_id="before-3"),
        message(
            StepKind.OVERDUE,
            Role.VICE_CHAIRMAN,
            task_id=2,
            ref="2",
            due=date(2026, 11, 13),
            days_late=6,
            step_id="overdue-vice-chairman",
        ),
        message(
            StepKind.MISSING_REPORT,
            unit="van-phong",
            period="2026-Q3",
            step_id="report-missing-head",
        ),
    ]
    vice = ResolvedRecipient(
        "Trần Văn Ba", "Phó Chủ tịch", "batv@xuanduong.example.vn", Role.VICE_CHAIRMAN
    )
    plan_ = build_digests(
        messages,
        recipients=directory(messages, {Role.LEAD_HEAD: [HEAD], Role.VICE_CHAIRMAN: [vice]}),
        today=TODAY,
        org_names=ORG_NAMES,
        unit_names=UNIT_NAMES,
        ladder=ladder,
        base_url="https://sauro.xuanduong.example.vn/",
    )
    head, vice_digest = sorted(plan_.digests, key=lambda d: d.to != HEAD.email)
    soon = head.due_soon[0]
    assert soon.rule == "nhắc trước hạn 3 ngày làm việc"
    assert soon.link == "https://sauro.xuanduong.example.vn/tasks/1"
    assert head.missing_report[0].rule == "đến hạn nộp báo cáo"
    assert head.missing_report[0].link == "https://sauro.xuanduong.example.vn/unit-reports"
    assert head.link == "https://sauro.xuanduong.example.vn"
    overdue = vice_digest.overdue[0]
    assert overdue.rule == (
        "quá hạn từ 5 ngày làm việc, nhắc lại hằng tuần — báo Phó Chủ tịch phụ trách"
    )


def test_event_notices_fold_into_the_digest_of_their_address_or_make_one() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from notifications.digest import NewsItem

    at = datetime(2026, 11, 22, 15, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

    def news(to: str, name: str, key: str) -> NewsItem:
        return NewsItem(
            to=to, name=name, title="", org=ORG, org_name=ORG_NAMES[ORG],
            kind_label="Kết quả bị trả lại", headline="Kết quả nhiệm vụ 1.6 bị trả lại",
            body="Lý do: thiếu biểu số liệu.", at=at, link="https://x.example.vn/tasks/8",
            ledger_key=key,
        )  # fmt: skip

    mine = news("ANV@xuanduong.example.vn", HEAD.name, "notice:1|email")
    other = news("binhlt@xuanduong.example.vn", OFFICER.name, "notice:2|email")
    bad = news("không-phải-địa-chỉ", "Ai đó", "notice:3|email")
    overdue = message(StepKind.OVERDUE, days_late=2, due=date(2026, 11, 19))
    plan_ = build_digests(
        [overdue],
        recipients=directory([overdue], {Role.LEAD_HEAD: [HEAD]}),
        today=TODAY,
        org_names=ORG_NAMES,
        unit_names=UNIT_NAMES,
        news=[mine, other, bad],
    )
    by_to = {d.to.lower(): d for d in plan_.digests}
    assert set(by_to) == {HEAD.email, OFFICER.email}  # a bad address is skipped
    head = by_to[HEAD.email]
    assert head.news == (mine,)
    assert head.summary == "1 việc mới, 1 nhiệm vụ quá hạn"
    assert head.ledger_keys == ("notice:1|email", overdue.ledger_key)
    alone = by_to[OFFICER.email]
    assert (alone.template, alone.count, alone.scope_name) == ("digest", 1, ORG_NAMES[ORG])
    assert mine.when == "15:30 ngày 22/11/2026"
