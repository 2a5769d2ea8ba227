"""Benchmark: `sauro check` over a province (100 communes, 100,000 tasks).

Builds the database with Core bulk inserts, then times, in the same run and on the same
rows, (a) the raw SQL read of the columns the check needs (DBAPI cursor, no ORM, no rules)
and (b) the full check: read, build facts, evaluate the six rules. Prints both and the
ratio (target ≤ 3×).

    make bench                       # SQLite file in a temporary folder
    python tests/bench/check_bench.py --url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

import engine.store.models as m
from engine.plans.check import check_tasks
from engine.store.db import make_engine, upgrade
from rules.schema import parse_rules

REPO = Path(__file__).resolve().parents[2]
UNITS = [
    ("van-phong", "Văn phòng HĐND và UBND"),
    ("phong-kinh-te", "Phòng Kinh tế"),
    ("phong-vh-xh", "Phòng Văn hóa - Xã hội"),
    ("tt-phuc-vu-hcc", "Trung tâm Phục vụ hành chính công"),
    ("tt-dich-vu-snc", "Trung tâm Dịch vụ sự nghiệp công"),
    ("cong-an", "Công an xã"),
    ("quan-su", "Ban Chỉ huy Quân sự xã"),
]
AREAS = ["chi-dao-dieu-hanh", "the-che", "thu-tuc-hanh-chinh", "to-chuc-bo-may",
         "cong-vu", "tai-chinh-cong", "chinh-quyen-so", None]  # fmt: skip
DEADLINES = [("Quý II/2026", "quarter", True, date(2026, 6, 30)),
             ("Tháng 01/2026", "month", True, date(2026, 1, 31)),
             ("Thường xuyên", "continuous", False, None),
             ("Trước ngày 15/12/2026", "before_date", True, date(2026, 12, 14)),
             ("Khi có hướng dẫn của Tỉnh", "conditional", False, None),
             ("", "none", False, None)]  # fmt: skip
WORKS = ["Xây dựng và triển khai Kế hoạch kiểm tra cải cách hành chính năm 2026 tại các đơn vị",
         "Rà soát, đánh giá, đơn giản hóa thủ tục hành chính thuộc thẩm quyền của xã",
         "Nhiệm vụ khác", "Số hóa kết quả giải quyết thủ tục hành chính còn hiệu lực"]  # fmt: skip
COLLECTIVE = "Các cơ quan, đơn vị thuộc UBND xã"


def build(engine: Engine, communes: int, per_commune: int, seed: int = 7) -> int:
    """Fill an empty, migrated database; return the number of tasks."""
    rnd = random.Random(seed)
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(m.Organization), [
            {"id": o, "code": f"xa-{o:03d}", "name": f"Ủy ban nhân dân xã Mẫu {o}",
             "level": "commune", "place": f"Mẫu {o}", "parent_name": "UBND tỉnh",
             "standing_office_code": "phong-vh-xh"} for o in range(1, communes + 1)])  # fmt: skip
        units = [{"id": (o - 1) * len(UNITS) + i + 1, "organization_id": o, "code": c, "name": n,
                  "kind": "internal", "abbreviations": [], "aliases": [],
                  "registered_by_import": False}
                 for o in range(1, communes + 1) for i, (c, n) in enumerate(UNITS)]  # fmt: skip
        conn.execute(insert(m.Unit), units)
        conn.execute(insert(m.Person), [
            {"id": u["id"], "organization_id": u["organization_id"], "unit_id": u["id"],
             "name": f"Cán bộ {u['id']}", "title": "Chuyên viên", "email": f"cb{u['id']}@x.vn",
             "role": "officer", "active": True} for u in units])  # fmt: skip
        conn.execute(insert(m.Plan), [
            {"id": o, "organization_id": o, "key": f"{o}/KH-UBND", "number": f"{o}/KH-UBND",
             "issued_on": date(2025, 12, 20), "issuer": "", "signer": "", "year": 2026,
             "period": "2026", "title": "", "source_file": "", "imported_at": now}
            for o in range(1, communes + 1)])  # fmt: skip
        tasks, mentions = _tasks(rnd, communes, per_commune, now)
        for start in range(0, len(tasks), 10_000):
            conn.execute(insert(m.Task), tasks[start : start + 10_000])
        for start in range(0, len(mentions), 20_000):
            conn.execute(insert(m.TaskUnit), mentions[start : start + 20_000])
    return len(tasks)


def _tasks(
    rnd: random.Random, communes: int, per_commune: int, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tasks: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    for o in range(1, communes + 1):
        for n in range(per_commune):
            task_id = len(tasks) + 1
            unit_id = (o - 1) * len(UNITS) + rnd.randrange(len(UNITS)) + 1
            cell, kind, resolved, due = rnd.choice(DEADLINES)
            collective = rnd.random() < 0.2
            lead_text = COLLECTIVE if collective else UNITS[(unit_id - 1) % len(UNITS)][1]
            tasks.append({
                "id": task_id, "organization_id": o, "plan_id": o, "key": str(n + 1),
                "ref": f"{n // 10 + 1}.{n % 10 + 1}", "position": n + 1,
                "work": _work(rnd, n), "area": rnd.choice(AREAS), "group_label": "",
                "person_text": "", "person_id": unit_id if rnd.random() < 0.5 else None,
                "lead_text": lead_text, "lead_unit_id": None if collective else unit_id,
                "coordinators_text": COLLECTIVE, "deadline_text": cell, "deadline_kind": kind,
                "due_date": due, "start_date": None, "recurrence": None,
                "deadline_resolved": resolved, "deadline_reason": "",
                "assigner": "Chủ tịch UBND xã" if rnd.random() < 0.9 else "",
                "product": "Báo cáo kết quả" if rnd.random() < 0.85 else "", "result": "",
                "evidence": "", "budget": "", "note": "",
                "state": "done" if rnd.random() < 0.2 else "open",
                "completed_on": None, "raw_cells": {}, "source_row": "", "version": 1,
                "created_at": now, "updated_at": now,
            })  # fmt: skip
            mentions.append({"task_id": task_id, "role": "lead", "position": 0,
                             "text": lead_text, "unit_id": None if collective else unit_id,
                             "collective": collective})  # fmt: skip
            mentions.append({"task_id": task_id, "role": "coordinator", "position": 0,
                             "text": COLLECTIVE, "unit_id": None, "collective": True})  # fmt: skip
    return tasks, mentions


def _work(rnd: random.Random, n: int) -> str:
    """Work texts are unique per task, as in real plans (one in seven is too vague)."""
    return f"{rnd.choice(WORKS)} (đợt {n + 1})" if n % 7 else "Nhiệm vụ khác"


RAW_TASKS = """
SELECT t.id, t.ref, t.work, t.area, t.person_text, p.name, pu.code, t.lead_text,
       t.deadline_text, t.deadline_kind, t.deadline_resolved, t.deadline_reason, t.due_date,
       t.assigner, t.product, t.state, t.result, t.evidence, pl.number, pl.issued_on, pl.key,
       o.code
FROM task t JOIN plan pl ON pl.id = t.plan_id JOIN organization o ON o.id = t.organization_id
LEFT JOIN person p ON p.id = t.person_id LEFT JOIN unit pu ON pu.id = p.unit_id
WHERE t.state != 'withdrawn' ORDER BY o.code, pl.key, t.position
"""
RAW_MENTIONS = """
SELECT tu.task_id, tu.role, tu.text, u.code, tu.collective
FROM task_unit tu JOIN task t ON t.id = tu.task_id LEFT JOIN unit u ON u.id = tu.unit_id
WHERE t.state != 'withdrawn' ORDER BY tu.task_id, tu.role, tu.position
"""


def raw_read(engine: Engine) -> int:
    """The baseline: the same rows through the bare DBAPI cursor."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(RAW_TASKS)
        count = len(cursor.fetchall())
        cursor.execute(RAW_MENTIONS)
        cursor.fetchall()
        return count
    finally:
        connection.close()


def full_check(engine: Engine, rules: Any) -> int:
    with engine.connect() as connection:
        return len(check_tasks(connection, rules=rules, org_code=None))


def best_of(runs: int, fn: Any, *args: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--tasks-per-commune", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        _reset(url)
        engine = make_engine(url)
        start = time.perf_counter()
        count = build(engine, args.communes, args.tasks_per_commune)
        print(f"built {count:,} tasks in {time.perf_counter() - start:.1f} s ({url.split(':')[0]})")
        rules = parse_rules((REPO / "config" / "rules.yaml").read_text("utf-8"), "rules.yaml")
        raw, rows = best_of(args.runs, raw_read, engine)
        check, checked = best_of(args.runs, full_check, engine, rules)
        engine.dispose()
    print(f"raw SQL read   : {raw * 1000:8.0f} ms  ({rows:,} rows)")
    print(f"sauro check    : {check * 1000:8.0f} ms  ({checked:,} tasks, 6 rules each)")
    print(f"ratio          : {check / raw:8.2f}×  (target ≤ 3×; best of {args.runs} runs)")


def _reset(url: str) -> None:
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)


if __name__ == "__main__":
    main()
