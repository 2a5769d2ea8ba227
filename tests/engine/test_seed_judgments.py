"""The engine's 6-rõ verdicts on the seed plans' tasks against an official's, on rõ việc,
rõ thời gian and rõ kết quả (issue 15).

The hand judgments are ``tests/fixtures/seed_judgments.yaml``; each file is imported as a
dry run, as ``sauro import --dry-run`` would, and each task's verdict compared. The tasks
where the engine still judges otherwise are listed here, each with why, so that a change of
verdict on any seed task shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import yaml
from sauro_support import CONFIG, FIXTURES
from sqlalchemy import Engine

from engine.configs.files import Configs, load_configs
from engine.directory.store import sync_directory
from engine.plans.check import TaskCheck
from engine.plans.importer import ImportOptions, import_plan
from engine.store.audit import Actor
from engine.store.db import session_scope
from rules.facts import Dimension, Severity

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
ACTOR = Actor(name="test", source="test_seed_judgments")
JUDGED = (Dimension.WORK, Dimension.DEADLINE, Dimension.RESULT)

# name → (file, organization, plan number, plan date): the table is numbered by the officer;
# the prose plans say what they say of themselves.
FILES = {
    "kien_tuong_3838_pl2": (
        "kien_tuong_3838_pl2.csv", "kien-tuong", "3838/KH-UBND", date(2023, 12, 28)
    ),
    "seed_004_muc_tieu": ("seed_004_muc_tieu.csv", "xuan-duong", "", date(2026, 1, 5)),
    **{
        name: (f"documents/{name}.txt", "xuan-duong", "", None)
        for name in (
            "10_seed_000_ke_hoach_kien_minh",
            "11_seed_001_ke_hoach_gia_luong",
            "12_seed_003_nhiem_vu_nguyen_giap",
            "13_seed_004_ke_hoach_xuan_duong",
        )
    },
}  # fmt: skip

_S000, _S001 = "10_seed_000_ke_hoach_kien_minh", "11_seed_001_ke_hoach_gia_luong"
_S003, _S004 = "12_seed_003_nhiem_vu_nguyen_giap", "13_seed_004_ke_hoach_xuan_duong"
# Vague to the official, specific to the engine: rõ việc itself differs. Directions naming
# real objects ("hoàn thiện … hệ thống văn bản quy phạm pháp luật, cơ chế, chính sách"):
# only a reader of intent calls them empty.
_DIRECTIONS = "a direction that names real objects: the engine finds work in it"
# Vague to the official, no area to the engine: rõ việc fails either way, for another reason.
_SUB_AREA = "restates propaganda (tuyên truyền), which is no area's name"
_AIM = "an aim of the plan ('Xây dựng nền công vụ chuyên nghiệp …'), not a work"
DIFFERENCES: dict[tuple[str, str, str], str] = {
    **{("seed_004_muc_tieu", ref, "work"): _AIM for ref in ("1.2", "3.1", "4.1", "4.3")},
    **{("seed_004_muc_tieu", ref, "work"): _AIM for ref in ("4.4", "5.1", "6.11")},
    ("kien_tuong_3838_pl2", "5.3", "work"): "'Chấp hành kỷ luật, kỷ cương hành chính'",
    (_S003, "b.1", "work"): _DIRECTIONS,
    (_S003, "b.2", "work"): _DIRECTIONS,
    (_S003, "b.10", "work"): _DIRECTIONS,
    (_S003, "b.12", "work"): _DIRECTIONS,
    (_S004, "b.6", "work"): _DIRECTIONS,
    (_S004, "b.7", "work"): _DIRECTIONS,
    (_S000, "2.5.1", "work"): _SUB_AREA,
    (_S001, "2.3", "work"): _SUB_AREA,
    (_S001, "6", "work"): _SUB_AREA,
    (_S004, "2.2", "work"): _SUB_AREA,
    (_S001, "1.2", "work"): "'các nhiệm vụ được … giao' followed by quality words",
    (_S001, "3.4", "work"): "following up others' tasks",
    (_S001, "4", "work"): "the area restated, then 'phổ biến giáo dục pháp luật' as work",
    (_S001, "10.1", "work"): "defers to another plan's reporting regime",
    (_S004, "2.8", "work"): "defers to the province's plan for Nghị quyết 57",
    (_S004, "5.3", "work"): "a policy direction for enterprises",
    (_S004, "7", "work"): "'nâng cao chất lượng giải quyết thủ tục hành chính' read as work",
}


@pytest.fixture(scope="module")
def configs() -> Configs:
    return load_configs(CONFIG)


@pytest.fixture
def db(db_engine: Engine, configs: Configs) -> Iterator[Engine]:
    with session_scope(db_engine) as session:
        sync_directory(session=session, directory=configs.directory, actor=ACTOR, now=NOW)
    yield db_engine


def _judgments() -> dict[str, dict[str, list[object]]]:
    text = (FIXTURES / "seed_judgments.yaml").read_text(encoding="utf-8")
    data: dict[str, dict[str, list[object]]] = yaml.safe_load(text)
    return data


def _engine_says(check: TaskCheck) -> tuple[str, bool, bool]:
    """[work, deadline, result] as the judgments write them, from the task's findings."""
    errors = {f.code for f in check.findings if f.severity is Severity.ERROR}
    work = "clear"
    if errors & {"work.missing", "work.vague", "work.too_short"}:
        work = "vague"
    elif "work.no_area" in errors:
        work = "no_area"
    failing = {code.split(".", 1)[0] for code in errors}
    return work, Dimension.DEADLINE not in failing, Dimension.RESULT not in failing


def _verdicts(engine: Engine, configs: Configs, name: str) -> dict[str, tuple[str, bool, bool]]:
    file, org, number, issued_on = FILES[name]
    options = ImportOptions(
        path=FIXTURES / file, org_code=org, plan_number=number, plan_date=issued_on, dry_run=True
    )
    with session_scope(engine) as session:
        result = import_plan(
            session=session, options=options, configs=configs, actor=ACTOR, now=NOW
        )
    return {d.row.ref: _engine_says(c) for d, c in zip(result.drafts, result.checks, strict=True)}


def test_the_engine_judges_the_seed_tasks_as_an_official_does(
    db: Engine, configs: Configs, capsys: pytest.CaptureFixture[str]
) -> None:
    judged = _judgments()
    differ: dict[tuple[str, str, str], tuple[object, object]] = {}
    agree = dict.fromkeys(JUDGED, 0)
    total = 0
    for name, tasks in judged.items():
        verdicts = _verdicts(db, configs, name)
        assert sorted(verdicts) == sorted(tasks), name
        for ref, expected in tasks.items():
            total += 1
            for dimension, want, got in zip(JUDGED, expected, verdicts[ref], strict=True):
                if want == got:
                    agree[dimension] += 1
                else:
                    differ[(name, ref, str(dimension))] = (want, got)
    # rõ việc as a dimension: clear or not, whatever the reason it fails.
    work_differs = [key for key, (want, got) in differ.items() if "clear" in (want, got)]
    with capsys.disabled():
        shares = ", ".join(f"{d}: {agree[d]}/{total}" for d in JUDGED)
        print(f"\nseed tasks judged as an official does: {shares}")
        print(f"rõ việc clear or not as the official says: {total - len(work_differs)}/{total}")
        for (name, ref, dimension), (want, got) in sorted(differ.items()):
            print(f"  {name} {ref} {dimension}: official {want}, engine {got}")
    assert set(differ) == set(DIFFERENCES)
