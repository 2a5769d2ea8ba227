"""Editing the directory in the database (``engine.directory.editing``) and what becomes of
a person's open tasks (``engine.tasks.reassignment``), on both databases: merges move tasks
and audit them, refusals write nothing, moves and leaves reassign only what is chosen; and
``--register-units`` never makes an internal unit of an outside body or a post."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sauro_support import CONFIG, load_kien_tuong, snapshot, write_csv
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from engine.configs.files import load_configs
from engine.directory import editing
from engine.directory.bodies import CLASSIFIER
from engine.directory.editing import PersonFields
from engine.errors import DirectoryError, SauroError, TaskActionError
from engine.plans.importer import ImportOptions, import_plan
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import (
    AuditLog,
    Notice,
    Organization,
    Person,
    Task,
    TaskUnit,
    Unit,
    UnitRole,
)
from engine.tasks import reassignment
from engine.tasks.delegation import delegate

NOW = datetime(2024, 6, 10, 2, 0, tzinfo=UTC)
ACTOR = Actor(name="test", source="test_directory_editing")


@pytest.fixture
def db(db_engine: Engine) -> Engine:
    load_kien_tuong(db_engine, load_configs(CONFIG), actor=ACTOR, now=NOW)
    return db_engine


def _org(db: Engine) -> int:
    with Session(db) as session:
        org = session.exec(select(Organization).where(Organization.code == "kien-tuong")).one()
        return int(org.id or 0)


def _unit(db: Engine, code: str) -> Unit:
    with Session(db) as session:
        return session.exec(
            select(Unit).where(Unit.organization_id == _org(db), Unit.code == code)
        ).one()


def _person(db: Engine, email: str) -> Person:
    with Session(db) as session:
        return session.exec(select(Person).where(Person.email == email)).one()


def _task(db: Engine, ref: str) -> Task:
    with Session(db) as session:
        return session.exec(
            select(Task).where(Task.ref == ref, Task.organization_id == _org(db))
        ).one()


def _name(db: Engine, refs: list[str], email: str) -> None:
    with session_scope(db) as session:
        delegate(
            session=session,
            task_ids=[_task(db, ref).id or 0 for ref in refs],
            person_id=_person(db, email).id or 0,
            reason="",
            actor=ACTOR,
            now=NOW,
        )


LINH = "linhntm@kientuong.example.vn"  # officer of Phòng Tư pháp (leads 2.1-2.4)
TUNG = "tungvt@kientuong.example.vn"  # its head
HAN = "hanpn@kientuong.example.vn"  # officer of Phòng Nội vụ
TAM = "tamlm@kientuong.example.vn"  # officer of Phòng Nội vụ


# -- units ------------------------------------------------------------------------------------


def test_a_merge_moves_every_task_and_audits_each(db: Engine) -> None:
    org = _org(db)
    source, target = _unit(db, "phong-tu-phap"), _unit(db, "phong-noi-vu")
    with Session(db) as session:
        led = session.exec(select(Task.id).where(Task.lead_unit_id == source.id)).all()
        coordinated = session.exec(
            select(TaskUnit.task_id).where(
                TaskUnit.unit_id == source.id, TaskUnit.role == str(UnitRole.COORDINATOR)
            )
        ).all()
    assert led and coordinated

    with session_scope(db) as session:
        done = editing.merge_units(
            session=session, organization_id=org, source_id=source.id or 0,
            target_id=target.id or 0, actor=ACTOR, now=NOW,
        )  # fmt: skip

    assert set(led) | set(coordinated) == set(done.tasks)
    with Session(db) as session:
        assert session.exec(select(Task).where(Task.lead_unit_id == source.id)).all() == []
        assert session.exec(select(TaskUnit).where(TaskUnit.unit_id == source.id)).all() == []
        for task_id in led:
            task = session.get(Task, task_id)
            assert task is not None and task.lead_unit_id == target.id
        audits = session.exec(
            select(AuditLog).where(AuditLog.entity == "task", AuditLog.field == "reason")
        ).all()
        assert {a.entity_id for a in audits} == set(done.tasks)
        merged = session.get(Unit, source.id)
        assert merged is not None and not merged.active and merged.merged_into_id == target.id
        kept = session.get(Unit, target.id)
        assert kept is not None and "Phòng Tư pháp" in kept.aliases
        people = session.exec(select(Person).where(Person.unit_id == source.id)).all()
        assert people  # people stay unless asked to move
        vice = session.exec(select(Person).where(Person.email == "ducpv@kientuong.example.vn"))
        assert "phong-tu-phap" not in vice.one().in_charge


def test_merges_refused_write_nothing(db: Engine, db_url: str) -> None:
    org = _org(db)
    tu_phap = _unit(db, "phong-tu-phap").id or 0
    before = snapshot(db_url)
    cases = [
        (tu_phap, "chính nó"),
        (_unit(db, "so-noi-vu").id or 0, "cơ quan bên ngoài"),
    ]
    with Session(db) as session:
        other_org = session.exec(
            select(Unit).join(Organization, col(Organization.id) == Unit.organization_id)
            .where(Organization.code == "xuan-duong")
        ).first()  # fmt: skip
    assert other_org is not None
    cases.append((other_org.id or 0, "không thuộc cùng tổ chức"))
    for target, words in cases:
        with pytest.raises(DirectoryError) as refused, session_scope(db) as session:
            editing.merge_units(session=session, organization_id=org, source_id=tu_phap,
                                target_id=target, actor=ACTOR, now=NOW)  # fmt: skip
        assert words in str(refused.value)
    assert snapshot(db_url) == before


def test_units_added_renamed_and_their_heads_and_deputies(db: Engine) -> None:
    org = _org(db)
    head = PersonFields("Ngô Văn Mới", "Trưởng phòng", "moinv@kientuong.example.vn", "0912 345 678")
    with session_scope(db) as session:
        with pytest.raises(DirectoryError, match="phải có người đứng đầu"):
            editing.add_unit(session=session, organization_id=org, name="Phòng Dân tộc",
                             kind="internal", actor=ACTOR, now=NOW)  # fmt: skip
        with pytest.raises(DirectoryError, match="trùng với đơn vị Phòng Tư pháp"):
            editing.add_unit(session=session, organization_id=org, name="Phòng TƯ PHÁP thị xã",
                             kind="external", actor=ACTOR, now=NOW)  # fmt: skip
        unit = editing.add_unit(session=session, organization_id=org, name="Phòng Dân tộc",
                                kind="internal", head=head, actor=ACTOR, now=NOW)  # fmt: skip
        unit_id = unit.id or 0
    with Session(db) as session:
        new_head = session.exec(select(Person).where(Person.unit_id == unit_id)).one()
    assert (unit.code, new_head.role, new_head.phone) == ("phong-dan-toc", "head", "0912345678")
    with session_scope(db) as session:
        officer = editing.add_person(
            session=session, organization_id=org, unit_id=unit_id,
            fields=PersonFields("Lý Thị Hai", "Chuyên viên", "hailt@kientuong.example.vn"),
            actor=ACTOR, now=NOW,
        )  # fmt: skip
        editing.set_deputies(session=session, organization_id=org, unit_id=unit_id,
                             person_ids=[officer.id or 0], actor=ACTOR, now=NOW)  # fmt: skip
        editing.set_head(session=session, organization_id=org, unit_id=unit_id,
                         person_id=officer.id or 0, actor=ACTOR, now=NOW)  # fmt: skip
        editing.edit_unit(session=session, organization_id=org, unit_id=unit_id,
                          name="Phòng Dân tộc và Tôn giáo", abbreviations=["Phòng DT-TG"],
                          actor=ACTOR, now=NOW)  # fmt: skip
    roles = {p.name: p.role for p in _members(db, unit_id)}
    assert roles == {"Ngô Văn Mới": "officer", "Lý Thị Hai": "head"}
    assert _unit(db, "phong-dan-toc").name == "Phòng Dân tộc và Tôn giáo"


def _members(db: Engine, unit_id: int) -> list[Person]:
    with Session(db) as session:
        return editing.members(session, unit_id)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (PersonFields("", "Chuyên viên", "a@kientuong.example.vn"), "họ tên"),
        (PersonFields("Ai Đó", "Chuyên viên", "khong-phai-email"), "không hợp lệ"),
        (PersonFields("Ai Đó", "Chuyên viên", "a@kientuong.example.vn", "12345"), "số điện thoại"),
        (PersonFields("Ai Đó", "Chuyên viên", LINH.upper()), "đã dùng cho Nguyễn Thị Mỹ Linh"),
    ],
    ids=["no name", "bad email", "bad phone", "email taken"],
)
def test_people_are_validated_like_the_directory_file(
    db: Engine, fields: PersonFields, words: str
) -> None:
    with pytest.raises(DirectoryError) as refused, session_scope(db) as session:
        editing.add_person(session=session, organization_id=_org(db),
                           unit_id=_unit(db, "phong-noi-vu").id or 0, fields=fields,
                           actor=ACTOR, now=NOW)  # fmt: skip
    assert words in str(refused.value)


def test_a_head_is_neither_moved_nor_marked_left_before_another_is_named(db: Engine) -> None:
    org, tung = _org(db), _person(db, TUNG).id or 0
    with pytest.raises(SauroError, match="người đứng đầu mới"), session_scope(db) as session:
        reassignment.mark_left(session=session, organization_id=org, person_id=tung,
                               on=date(2024, 6, 10), actor=ACTOR, now=NOW)  # fmt: skip
    with pytest.raises(SauroError, match="người đứng đầu mới"), session_scope(db) as session:
        reassignment.move_person(session=session, organization_id=org, person_id=tung,
                                 unit_id=_unit(db, "phong-noi-vu").id or 0, actor=ACTOR,
                                 now=NOW)  # fmt: skip


# -- people and their tasks -------------------------------------------------------------------


def test_moving_an_officer_reassigns_only_the_chosen_tasks(db: Engine) -> None:
    _name(db, ["2.1", "2.2", "2.3"], LINH)
    org, linh, tung = _org(db), _person(db, LINH).id or 0, _person(db, TUNG).id or 0
    noi_vu = _unit(db, "phong-noi-vu").id or 0
    choices = {_task(db, "2.1").id or 0: reassignment.give(tung),
               _task(db, "2.3").id or 0: reassignment.FOLLOW}  # fmt: skip

    with session_scope(db) as session:
        done = reassignment.move_person(
            session=session, organization_id=org, person_id=linh, unit_id=noi_vu,
            choices=choices, default=reassignment.NOBODY, actor=ACTOR, now=NOW,
        )  # fmt: skip

    assert (len(done.given), len(done.cleared), len(done.followed)) == (1, 1, 1)
    moved = _person(db, LINH)
    assert (moved.id, moved.unit_id, moved.role) == (linh, noi_vu, "officer")
    assert _task(db, "2.1").person_id == tung
    assert _task(db, "2.2").person_id is None
    followed = _task(db, "2.3")
    assert (followed.person_id, followed.lead_unit_id) == (linh, noi_vu)
    with Session(db) as session:
        actions = {
            a.action
            for a in session.exec(select(AuditLog).where(AuditLog.entity_id == _task(db, "2.1").id,
                                                         AuditLog.entity == "task"))
        }  # fmt: skip
    assert "delegate" in actions
    with Session(db) as session:  # the unit the task followed its person to hears of it
        told = session.exec(
            select(Notice).where(Notice.task_id == followed.id, Notice.kind == "assigned")
        ).all()
        heads = {
            p.id
            for p in session.exec(
                select(Person).where(Person.unit_id == noi_vu, Person.role == "head")
            )
        }
    assert {n.person_id for n in told} == heads and heads  # fmt: skip


def test_marking_left_keeps_the_unchosen_tasks_and_refuses_a_bad_choice(
    db: Engine, db_url: str
) -> None:
    _name(db, ["2.1", "2.2"], LINH)
    org, linh = _org(db), _person(db, LINH).id or 0
    before = snapshot(db_url)
    outsider = _person(db, HAN).id or 0  # not of Phòng Tư pháp, which leads the task
    with (
        pytest.raises(TaskActionError, match="không thuộc đơn vị chủ trì"),
        session_scope(db) as session,
    ):
        reassignment.mark_left(session=session, organization_id=org, person_id=linh,
                               on=date(2024, 6, 1), default=reassignment.give(outsider),
                               actor=ACTOR, now=NOW)  # fmt: skip
    assert snapshot(db_url) == before

    tung = _person(db, TUNG).id or 0
    with session_scope(db) as session:
        reassignment.mark_left(session=session, organization_id=org, person_id=linh,
                               on=date(2024, 6, 1),
                               choices={_task(db, "2.1").id or 0: reassignment.give(tung)},
                               actor=ACTOR, now=NOW)  # fmt: skip

    left = _person(db, LINH)
    assert (left.active, left.left_on) == (False, date(2024, 6, 1))
    assert _task(db, "2.1").person_id == tung
    assert _task(db, "2.2").person_id == linh  # not chosen: unchanged


def test_the_chairman_is_never_marked_left(db: Engine) -> None:
    with pytest.raises(DirectoryError, match="Chủ tịch"), session_scope(db) as session:
        editing.mark_left(session=session, organization_id=_org(db),
                          person_id=_person(db, "chutich@kientuong.example.vn").id or 0,
                          on=date(2024, 6, 1), actor=ACTOR, now=NOW)  # fmt: skip


# -- what a name is, for --register-units ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Sở Y tế", "external"),
        ("Sở Tài Chính tỉnh Long An", "external"),
        ("UBND tỉnh", "external"),
        ("Ủy ban nhân dân huyện Mộc Hóa", "external"),
        ("UBND thị xã", "external"),
        ("Đảng ủy xã", "external"),
        ("Ủy ban MTTQ Việt Nam xã", "external"),
        ("MTTQ và các đoàn thể", "external"),
        ("Hội Nông dân xã", "external"),
        ("Đoàn Thanh niên", "external"),
        ("Công an tỉnh", "external"),
        ("Bộ Nội vụ", "external"),
        ("Ban Chỉ đạo CCHC", "external"),
        ("Các Sở, ngành tỉnh", "external"),
        ("Chủ tịch UBND xã", "post"),
        ("Phó Chủ tịch UBND", "post"),
        ("Trưởng phòng Tư pháp", "post"),
        ("Phòng Quản lý đất đai thị xã", "internal"),
        ("Bộ phận một cửa", "internal"),
        ("Hội đồng thi đua khen thưởng", "internal"),
        ("Công an xã", "internal"),
        ("Ban Chỉ huy Quân sự xã", "internal"),
    ],
)
def test_names_of_outside_bodies_and_posts(name: str, kind: str) -> None:
    assert CLASSIFIER.kind(name) == kind


def test_register_units_makes_outside_bodies_external_and_skips_posts(
    db: Engine, tmp_path: Path
) -> None:
    plan = write_csv(
        tmp_path / "y_te.csv",
        [
            ["TT", "Nội dung CCHC", "Nhiệm vụ cụ thể", "Sản phẩm", "Cơ quan chủ trì",
             "Cơ quan phối hợp", "Thời gian thực hiện"],
            ["1", "Cải cách thủ tục hành chính", "1.1. Rà soát thủ tục y tế",
             "Báo cáo", "Chủ tịch UBND xã", "Sở Y tế; Đảng ủy thị xã; Phòng Quản lý đất đai",
             "Quý III/2024"],
        ],
    )  # fmt: skip
    options = ImportOptions(path=plan, org_code="kien-tuong", plan_number="99/KH-UBND",
                            plan_date=date(2024, 1, 5), register_units=True)  # fmt: skip
    with session_scope(db) as session:
        result = import_plan(session=session, options=options, configs=load_configs(CONFIG),
                             actor=ACTOR, now=NOW)  # fmt: skip

    assert result.not_registered == ["Chủ tịch UBND xã"]
    with Session(db) as session:
        added = {
            u.name: u.kind for u in session.exec(select(Unit).where(col(Unit.registered_by_import)))
        }
    assert added == {"Sở Y tế": "external", "Đảng ủy thị xã": "external",
                     "Phòng Quản lý đất đai": "internal"}  # fmt: skip
