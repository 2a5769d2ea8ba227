"""A realistic province in one database, for the benchmarks of what users hit.

``build_province(engine, orgs=N, now=NOW)`` fills an empty database (its schema upgraded
first) with Core bulk inserts: N communes, each with

- 8 internal units (``UNITS``: the standing office ``van-phong`` first), each with a head, a
  deputy and 1–3 officers, and one outside body (the Fatherland Front) named as coordinator;
- a Chairman and two Vice-Chairmen, each in charge of four units;
- people reached by e-mail (``person.channel`` "email", ``<who>@<org code>.example.vn``),
  about one commune in three with one officer who has no address;
- its plan of ``now.year`` and ``tasks_per_org`` tasks (default 1,000): due dates spread
  over the year, each led by one unit (``task.lead_unit_id`` and its ``task_unit`` row),
  given to an officer of that unit, a third with a coordinating unit; nine in ten past tasks
  done (with result and evidence), one in a hundred waiting for acceptance; one task in ten
  fails 6 rõ (no person, a continuous deadline, a collective lead with no person, or vague
  work), its stored verdict found some days before ``now``.

As of ``now`` (``NOW``: Monday 15/06/2026 07:00, Hà Nội) one ``sauro remind`` plans about
30 digests per commune: the officers with a deadline within the reminder horizon, the
heads of units with overdue or unclear tasks, the standing office, the Vice-Chairmen, the
Chairman. Organization ``n`` (from 1) has the code ``org_code(n)``.

From a script in ``tests/bench`` (its folder is on ``sys.path``)::

    from province import NOW, build_province
    upgrade(url)                      # engine.store.db: the schema first
    counts = build_province(make_engine(url), orgs=100, now=NOW)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select, text

import engine.store.models as m
from engine.calendar.status import VN

NOW = datetime(2026, 6, 15, 7, 0, tzinfo=VN)
BATCH = 20_000  # rows per executemany

# (code, name, title of its head): a commune's internal units, the standing office first.
UNITS = (
    ("van-phong", "Văn phòng HĐND và UBND", "Chánh Văn phòng"),
    ("phong-kinh-te", "Phòng Kinh tế", "Trưởng phòng"),
    ("phong-van-hoa-xa-hoi", "Phòng Văn hóa - Xã hội", "Trưởng phòng"),
    ("trung-tam-hcc", "Trung tâm Phục vụ hành chính công", "Giám đốc"),
    ("tai-chinh-ke-toan", "Bộ phận Tài chính - Kế toán", "Trưởng bộ phận"),
    ("tu-phap-ho-tich", "Bộ phận Tư pháp - Hộ tịch", "Trưởng bộ phận"),
    ("dia-chinh-xay-dung", "Bộ phận Địa chính - Xây dựng - Môi trường", "Trưởng bộ phận"),
    ("quan-su", "Ban Chỉ huy Quân sự xã", "Chỉ huy trưởng"),
)
OUTSIDE = ("mttq", "Ủy ban Mặt trận Tổ quốc Việt Nam xã")
# The two Vice-Chairmen: their fields and the units they are in charge of.
VICE_CHAIRMEN = (
    (["Nội chính", "Văn phòng"], ["van-phong", "trung-tam-hcc", "tu-phap-ho-tich", "quan-su"]),
    (
        ["Kinh tế", "Văn hóa - Xã hội"],
        ["phong-kinh-te", "phong-van-hoa-xa-hoi", "tai-chinh-ke-toan", "dia-chinh-xay-dung"],
    ),
)
AREAS = (
    "chi-dao-dieu-hanh", "the-che", "thu-tuc-hanh-chinh", "to-chuc-bo-may", "cong-vu",
    "tai-chinh-cong", "chinh-quyen-so",
)  # fmt: skip
WORKS = (
    "Rà soát, công bố danh mục thủ tục hành chính thuộc thẩm quyền giải quyết của xã",
    "Cập nhật hồ sơ địa chính và chỉnh lý biến động đất đai trên cơ sở dữ liệu",
    "Tổ chức tuyên truyền, phổ biến văn bản quy phạm pháp luật mới cho nhân dân",
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực",
    "Kiểm tra việc thực hiện quy chế văn hóa công vụ của cán bộ, công chức",
    "Lập báo cáo tình hình thu, chi ngân sách và đề xuất điều chỉnh dự toán",
    "Xây dựng kế hoạch kiểm tra công tác cải cách hành chính tại các thôn",
    "Đánh giá mức độ hài lòng của người dân đối với dịch vụ hành chính công",
)
PRODUCTS = ("Báo cáo kết quả", "Kế hoạch được ban hành", "Quyết định công bố", "Biên bản")
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi")
MIDDLES = ("Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Thu")
GIVENS = ("An", "Bình", "Cường", "Dung", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai",
          "Nam", "Phương", "Quang", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Vy")  # fmt: skip

# How a task in ten fails 6 rõ: (stored verdict, what the task lacks).
UNCLEAR = ("person", "deadline", "person,responsibility", "work")
_STAMP = datetime(2026, 1, 5, tzinfo=UTC)


def org_code(n: int) -> str:
    """The code of the ``n``-th organization (from 1) of a built province."""
    return f"xa-{n:04d}"


def build_province(
    engine: Engine, *, orgs: int, tasks_per_org: int = 1000, seed: int = 11, now: datetime
) -> dict[str, int]:
    """Fill an empty database (schema at head) with ``orgs`` communes of ``tasks_per_org``
    tasks each, as of ``now`` (see the module docstring); returns the rows inserted per
    table. The same arguments give the same rows. Raises ``ValueError`` when the database
    already holds an organization."""
    rnd = random.Random(seed)
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(m.Organization)).scalar_one():
            raise ValueError("build_province needs an empty database")
        rows = _Rows(now.astimezone(VN).date())
        for n in range(1, orgs + 1):
            _commune(rows, rnd, n, tasks_per_org)
            rows.flush(conn, final=False)
        rows.flush(conn, final=True)
        _advance_sequences(conn)
    return dict(rows.counts)


@dataclass(frozen=True)
class _Person:
    id: int
    name: str


@dataclass
class _Rows:
    """Rows waiting for their executemany, in insert order, and the count per table."""

    today: date
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: type[Any], row: dict[str, Any]) -> int:
        """Queue ``row`` with the next id of its table (1, 2, 3… in an empty database)."""
        name = table.__tablename__
        new_id = self.counts[name] = self.counts.get(name, 0) + 1
        row["id"] = new_id
        self.pending.setdefault(name, []).append(row)
        return new_id

    def flush(self, conn: Connection, *, final: bool) -> None:
        """Insert what waits once the tasks fill a batch (parents before children)."""
        if not final and len(self.pending.get("task", [])) < BATCH:
            return
        for name in ("organization", "unit", "person", "plan", "task", "task_unit"):
            batch = self.pending.pop(name, [])
            if batch:
                conn.execute(insert(_TABLES[name]), batch)


_MODELS: tuple[Any, ...] = (m.Organization, m.Unit, m.Person, m.Plan, m.Task, m.TaskUnit)
_TABLES: dict[str, Table] = {model.__tablename__: model.__table__ for model in _MODELS}


def _commune(rows: _Rows, rnd: random.Random, n: int, tasks: int) -> None:
    code = org_code(n)
    org = rows.add(m.Organization, {
        "code": code, "name": f"Ủy ban nhân dân xã Thử Nghiệm {n}", "level": m.OrgLevel.COMMUNE,
        "place": f"Thử Nghiệm {n}", "parent_name": "Ủy ban nhân dân tỉnh Thử Nghiệm",
        "standing_office_code": UNITS[0][0], "acceptance_required": True,
        "acceptor": m.Acceptor.AUTHORITY, "parent_code": "",
    })  # fmt: skip
    units = [_unit(rows, org, unit_code, name) for unit_code, name, _ in UNITS]
    outside = _unit(rows, org, *OUTSIDE, kind=m.UnitKind.EXTERNAL)
    staff = _people(rows, rnd, org, code, units)
    plan = rows.add(m.Plan, {
        "organization_id": org, "key": f"{n}/KH-UBND", "number": f"{n}/KH-UBND",
        "issued_on": date(rows.today.year - 1, 12, 20), "issuer": "UBND xã",
        "signer": "Chủ tịch UBND xã", "year": rows.today.year, "period": str(rows.today.year),
        "title": f"Kế hoạch cải cách hành chính năm {rows.today.year}", "source_file": "",
        "imported_at": _STAMP, "kind": m.DocumentKind.PLAN, "withdrawn_at": None,
    })  # fmt: skip
    for position in range(1, tasks + 1):
        _task(rows, rnd, org, plan, position, units, outside, staff)


def _unit(
    rows: _Rows, org: int, code: str, name: str, kind: str = m.UnitKind.INTERNAL
) -> tuple[int, str]:
    unit = rows.add(m.Unit, {
        "organization_id": org, "code": code, "name": name, "kind": kind, "abbreviations": [],
        "aliases": [], "registered_by_import": False, "active": True, "merged_into_id": None,
    })  # fmt: skip
    return unit, name


def _people(
    rows: _Rows, rnd: random.Random, org: int, code: str, units: list[tuple[int, str]]
) -> dict[int, list[_Person]]:
    """The commune's leaders and its units' people; unit id -> the people a task may be
    given to (its officers and deputy)."""
    _person(rows, rnd, org, code, None, "Chủ tịch UBND xã", m.PersonRole.CHAIRMAN, "chutich")
    for k, (areas, in_charge) in enumerate(VICE_CHAIRMEN, start=1):
        _person(rows, rnd, org, code, None, "Phó Chủ tịch UBND xã", m.PersonRole.VICE_CHAIRMAN,
                f"phochutich{k}", areas=areas, in_charge=in_charge)  # fmt: skip
    no_address = rnd.randrange(len(units)) if rnd.random() < 0.35 else -1
    staff: dict[int, list[_Person]] = {}
    for k, ((unit, name), (unit_code, _, head_title)) in enumerate(zip(units, UNITS, strict=True)):
        local = unit_code.replace("-", "")
        _person(rows, rnd, org, code, unit, f"{head_title} {name}", m.PersonRole.HEAD, local)
        deputy = _person(rows, rnd, org, code, unit, f"Phó {head_title.lower()}",
                         m.PersonRole.DEPUTY, f"pho.{local}")  # fmt: skip
        staff[unit] = [deputy]
        for j in range(1, rnd.randint(1, 3) + 1):
            mailbox = "" if (k == no_address and j == 1) else f"{local}{j}"
            staff[unit].append(
                _person(rows, rnd, org, code, unit, "Công chức", m.PersonRole.OFFICER, mailbox)
            )
    return staff


def _person(  # noqa: PLR0917
    rows: _Rows,
    rnd: random.Random,
    org: int,
    code: str,
    unit: int | None,
    title: str,
    role: str,
    mailbox: str,
    *,
    areas: list[str] | None = None,
    in_charge: list[str] | None = None,
) -> _Person:
    name = f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLES)} {rnd.choice(GIVENS)}"
    person = rows.add(m.Person, {
        "organization_id": org, "unit_id": unit, "name": name, "title": title,
        "email": f"{mailbox}@{code}.example.vn" if mailbox else "", "role": role,
        "active": True, "phone": "", "zalo": "", "channel": "email", "email_mode": "",
        "left_on": None, "areas": areas or [], "in_charge": in_charge or [],
    })  # fmt: skip
    return _Person(person, name)


def _task(  # noqa: PLR0917
    rows: _Rows,
    rnd: random.Random,
    org: int,
    plan: int,
    position: int,
    units: list[tuple[int, str]],
    outside: tuple[int, str],
    staff: dict[int, list[_Person]],
) -> None:
    today = rows.today
    due = date(today.year, 1, 1) + timedelta(days=rnd.randrange(365))
    unclear = rnd.choice(UNCLEAR) if rnd.random() < 0.1 else ""
    unit, unit_name = rnd.choice(units)
    person: _Person | None = rnd.choice(staff[unit])
    lead_text, work = unit_name, f"{rnd.choice(WORKS)} (nhiệm vụ {position})"
    deadline: dict[str, Any] = {
        "deadline_text": f"{due:%d/%m/%Y}", "deadline_kind": "date", "due_date": due,
        "deadline_resolved": True, "deadline_reason": "",
    }  # fmt: skip
    if "person" in unclear:
        person = None
    if unclear == "deadline":
        due, deadline = today + timedelta(days=200), {
            "deadline_text": "Thường xuyên", "deadline_kind": "continuous", "due_date": None,
            "deadline_resolved": False, "deadline_reason": "",
        }  # fmt: skip
    if "responsibility" in unclear:
        lead_text = "Các cơ quan, đơn vị có liên quan"
    if unclear == "work":
        work = "Thực hiện các nhiệm vụ khác do UBND xã giao"
    state, completed, submitted = _lifecycle(rnd, due, today)
    coordinator = rnd.choice([*units, outside]) if rnd.random() < 0.3 else None
    if coordinator is not None and coordinator[0] == unit:
        coordinator = None
    task = rows.add(m.Task, {
        "organization_id": org, "plan_id": plan, "key": str(position),
        "ref": f"{position // 100 + 1}.{position % 100 + 1}", "position": position,
        "work": work, "area": rnd.choice(AREAS), "group_label": "",
        "person_text": person.name if person else "", "person_id": person.id if person else None,
        "lead_text": lead_text, "lead_unit_id": None if "responsibility" in unclear else unit,
        "coordinators_text": coordinator[1] if coordinator else "", **deadline,
        "original_due": None, "deadline_version": 1, "start_date": None, "recurrence": None,
        "unclear": unclear,
        "unclear_since": today - timedelta(days=rnd.randint(1, 30)) if unclear else None,
        "assigned_on": None, "assignment": 0, "assigned_by_lead": False,
        "assigner": "Chủ tịch UBND xã", "product": rnd.choice(PRODUCTS),
        "result": "Đã hoàn thành" if completed else "",
        "evidence": f"Báo cáo số {position}/BC-UBND" if completed else "", "budget": "",
        "note": "", "state": state, "completed_on": completed, "submitted_on": submitted,
        "submission": 1 if submitted else 0, "returned_on": None, "returns": 0,
        "return_reason": "", "raw_cells": {}, "source_row": f"bảng 1, dòng {position + 1}",
        "version": 1, "created_at": _STAMP, "updated_at": _STAMP,
    })  # fmt: skip
    collective = "responsibility" in unclear
    rows.add(m.TaskUnit, {
        "task_id": task, "role": m.UnitRole.LEAD, "position": 0, "text": lead_text,
        "unit_id": None if collective else unit, "collective": collective,
    })  # fmt: skip
    if coordinator is not None:
        rows.add(m.TaskUnit, {
            "task_id": task, "role": m.UnitRole.COORDINATOR, "position": 0,
            "text": coordinator[1], "unit_id": coordinator[0], "collective": False,
        })  # fmt: skip


def _lifecycle(rnd: random.Random, due: date, today: date) -> tuple[str, date | None, date | None]:
    """(state, completed on, submitted for acceptance on): nine past tasks in ten done, one
    in a hundred waiting for its result to be accepted, a few done ahead of time."""
    roll = rnd.random()
    if roll < 0.01:
        submitted = today - timedelta(days=rnd.randint(1, 20))
        return m.TaskState.AWAITING, submitted, submitted
    if (due < today and roll < 0.9) or roll > 0.97:
        completed = min(due, today) - timedelta(days=rnd.randint(0, 10))
        return m.TaskState.DONE, completed, None
    return m.TaskState.OPEN, None, None


def _advance_sequences(conn: Connection) -> None:
    """PostgreSQL: ids were given explicitly, so move each table's sequence past them for
    the rows the application inserts later."""
    if conn.dialect.name != "postgresql":
        return
    for name in _TABLES:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {name}))"
            )
        )
