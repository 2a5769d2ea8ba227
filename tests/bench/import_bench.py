"""Benchmark: importing a 2,000-task plan (.docx and .xlsx) against merely reading the file.

Generates, in a temp dir, the task table of a district plan with ``--rows`` tasks: seven
section rows spanning the table ("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC", …), a header
and a column-numbering row, tasks numbered within their section, lead units vertically
merged over runs of one to five tasks (``w:vMerge``; merged ranges in Excel), coordinators
merged now and then, a deadline spanning the note's column on every ninth task
(``gridSpan``), deadlines such as "Tháng 6/2026", "30/9/2026", "Quý III/2026", and one
lead unit missing from the directory. Timed in the same run, on the same files, in
``--runs`` rounds after a warm-up round, each round timing every step once (interpreter
start and imports excluded); the ratios are the median of the rounds' ratios, each taken
within one round, so a shared machine's load weighs on both sides alike:

  docx read       unzip word/document.xml, parse it with lxml, join the text of every w:tc
  docx parse      the file read into task rows (``engine.plans.importer.read_source``)
  docx dry run    parse, drafts (deadlines, units, areas) and the 6-rõ check, nothing stored
  docx import     ``import_plan``, what ``sauro import FILE`` calls, committed to a fresh
                  SQLite file holding the directory of config/
  docx command    the import, the notices of its new tasks and their stored 6-rõ verdicts,
                  as ``sauro import`` records them in the same transaction
                  (``engine.notices.events.plan_imported``, ``refresh_verdicts``)
  xlsx read       ``load_workbook(read_only=True)`` and every cell value of every sheet
  xlsx …          the same steps on the .xlsx

Targets: docx import ≤ 3 × docx read, xlsx import ≤ 2 × xlsx read (PASS or MISS).
Memory: tracemalloc's peak of one extra, untimed run of each (Python allocations only: not
lxml's C tree) and the process's maximum RSS.

    make bench
    .venv/bin/python tests/bench/import_bench.py --rows 500 --runs 3   # smaller
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment

from engine.configs.files import Configs, load_configs
from engine.directory.store import get_organization, sync_directory
from engine.importing.areas import AreaResolver
from engine.notices import events
from engine.plans.importer import ImportOptions, import_plan, read_source
from engine.plans.verdicts import refresh_verdicts
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope, upgrade
from engine.store.models import require_id

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ACTOR = Actor(name="bench", source="import_bench")
ORG = "kien-tuong"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HEADERS = (
    "TT",
    "Nhiệm vụ cụ thể",
    "Sản phẩm",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian thực hiện",
    "Ghi chú",
)
SECTIONS = (
    "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC",
    "II. CẢI CÁCH THỂ CHẾ",
    "III. CẢI CÁCH THỦ TỤC HÀNH CHÍNH",
    "IV. CẢI CÁCH TỔ CHỨC BỘ MÁY HÀNH CHÍNH NHÀ NƯỚC",
    "V. CẢI CÁCH CHẾ ĐỘ CÔNG VỤ",
    "VI. CẢI CÁCH TÀI CHÍNH CÔNG",
    "VII. XÂY DỰNG, PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ",
)
VERBS = (
    "Rà soát, đánh giá",
    "Xây dựng kế hoạch",
    "Tổ chức triển khai",
    "Kiểm tra, đôn đốc việc thực hiện",
    "Tuyên truyền, phổ biến",
    "Tổng hợp, báo cáo kết quả",
    "Số hóa hồ sơ, kết quả giải quyết",
)
OBJECTS = (
    "thủ tục hành chính thuộc thẩm quyền giải quyết của UBND thị xã",
    "văn bản quy phạm pháp luật do HĐND, UBND thị xã ban hành",
    "công tác cải cách hành chính tại các cơ quan, đơn vị",
    "việc tiếp nhận, giải quyết hồ sơ trên Cổng dịch vụ công của tỉnh",
    "chỉ số hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính",
    "vị trí việc làm và cơ cấu ngạch công chức",
)
PRODUCTS = (
    "Kế hoạch của UBND thị xã",
    "Báo cáo kết quả",
    "- Kế hoạch kiểm tra\n- Thông báo kết quả kiểm tra",
    "Quyết định công bố",
    "Văn bản chỉ đạo",
)
LEADS = (
    "Phòng Nội vụ",
    "Phòng Tư pháp",
    "Phòng Tài chính - Kế hoạch",
    "Phòng Văn hóa và Thông tin",
    "Văn phòng HĐND và UBND thị xã",
    "Trung tâm Văn hóa, Thể thao và Truyền thanh thị xã",
    "Phòng Kinh tế",
    "Thanh tra thị xã",
    "Công an thị xã",  # not in the directory: an unknown unit, as plans have
)
COORDINATORS = (
    "Các cơ quan, đơn vị thuộc UBND thị xã, UBND các xã phường",
    "Phòng Nội vụ; Văn phòng HĐND và UBND thị xã",
    "Phòng Tư pháp, Phòng Kinh tế",
    "",
)
DEADLINES = ("Tháng 6/2026", "30/9/2026", "Quý III/2026", "Trong năm 2026", "15/3/2026")


@dataclass(frozen=True)
class Row:
    """One row of the generated table: a section label, or a task's cells (HEADERS order),
    with how many rows its lead and coordinator cells span from here (0: continued)."""

    section: str
    cells: tuple[str, ...] = ()
    lead_span: int = 1
    coordinators_span: int = 1
    wide: bool = False  # the deadline spans the note's column too


def plan_rows(count: int, seed: int = 13) -> list[Row]:
    """``count`` tasks under the seven sections, merges decided up front."""
    rnd = random.Random(seed)
    rows: list[Row] = []
    per_section = -(-count // len(SECTIONS))
    made = 0
    for label in SECTIONS:
        rows.append(Row(section=label))
        number, lead, lead_left, coord, coord_left = 0, "", 0, "", 0
        while number < per_section and made < count:
            number += 1
            made += 1
            lead_span = coord_span = 0
            if lead_left == 0:
                lead, lead_left = rnd.choice(LEADS), rnd.randint(1, 5)
                lead_span = min(lead_left, per_section - number + 1, count - made + 1)
                lead_left = lead_span
            if coord_left == 0:
                coord = rnd.choice(COORDINATORS)
                coord_left = coord_span = min(
                    rnd.choice((1, 1, 1, 3)), per_section - number + 1, count - made + 1
                )
            lead_left -= 1
            coord_left -= 1
            work = f"{rnd.choice(VERBS)} {rnd.choice(OBJECTS)} (nhiệm vụ {made})"
            wide = made % 9 == 0
            cells = (
                str(number),
                work,
                rnd.choice(PRODUCTS),
                lead,
                coord,
                rnd.choice(DEADLINES),
                "" if wide else rnd.choice(("", "", "Định kỳ hằng quý")),
            )
            rows.append(Row("", cells, lead_span, coord_span, wide))
    return rows


# -- the .docx ----------------------------------------------------------------------------


def _tc(text: str, *, span: int = 1, merge: str = "") -> str:
    props = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    if merge:
        props += '<w:vMerge w:val="restart"/>' if merge == "restart" else "<w:vMerge/>"
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in (text.split("\n") if text else [""])
    )
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{paragraphs}</w:tc>"


def _merged(text: str, span: int) -> str:
    """A lead or coordinator cell: starts a merge (span > 1), continues one (0), or alone."""
    if span == 0:
        return _tc("", merge="continue")
    return _tc(text, merge="restart" if span > 1 else "")


def docx_table(rows: list[Row]) -> str:
    width = len(HEADERS)
    grid = "".join('<w:gridCol w:w="1300"/>' for _ in HEADERS)
    out = [
        f"<w:tbl><w:tblPr><w:tblW w:w='0' w:type='auto'/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    ]
    out.append("<w:tr>" + "".join(_tc(h) for h in HEADERS) + "</w:tr>")
    out.append("<w:tr>" + "".join(_tc(f"({n})") for n in range(1, width + 1)) + "</w:tr>")
    for row in rows:
        if row.section:
            out.append(f"<w:tr>{_tc(row.section, span=width)}</w:tr>")
            continue
        number, work, product, lead, coord, deadline, note = row.cells
        cells = [_tc(number), _tc(work), _tc(product)]
        cells += [_merged(lead, row.lead_span), _merged(coord, row.coordinators_span)]
        cells += [_tc(deadline, span=2)] if row.wide else [_tc(deadline), _tc(note)]
        out.append("<w:tr>" + "".join(cells) + "</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def write_docx(path: Path, rows: list[Row]) -> None:
    """A Word file from python-docx's template whose body is the title and the table."""
    buffer = io.BytesIO()
    Document().save(buffer)
    title = (
        "<w:p><w:r><w:t>PHỤ LỤC</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CCHC NĂM 2026</w:t></w:r></w:p>"
    )
    body = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W}">'
        f"<w:body>{title}{docx_table(rows)}<w:p/><w:sectPr/></w:body></w:document>"
    )
    with (
        zipfile.ZipFile(buffer) as template,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in template.infolist():
            data = template.read(item)
            if item.filename == "word/document.xml":
                data = body.encode("utf-8")
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)


# -- the .xlsx ----------------------------------------------------------------------------


def write_xlsx(path: Path, rows: list[Row]) -> None:
    """The same table in a sheet: the section labels and the lead runs as merged ranges."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Phụ lục"
    width = len(HEADERS)
    lines: list[list[Any]] = [["PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CCHC NĂM 2026"], list(HEADERS)]
    lines.append([f"({n})" for n in range(1, width + 1)])
    merges = [(1, 1, 1, width)]
    for line, row in enumerate(rows, start=len(lines) + 1):
        if row.section:
            lines.append([row.section])
            merges.append((line, 1, line, width))
            continue
        cells: list[Any] = list(row.cells)
        if row.lead_span == 0:
            cells[3] = None
        if row.coordinators_span == 0:
            cells[4] = None
        lines.append(cells)
        if row.lead_span > 1:
            merges.append((line, 4, line + row.lead_span - 1, 4))
        if row.coordinators_span > 1:
            merges.append((line, 5, line + row.coordinators_span - 1, 5))
        if row.wide:
            merges.append((line, 6, line, 7))
    for line in lines:  # all values first: merging makes cells that append would skip
        sheet.append(line)
    wrap = Alignment(wrap_text=True)
    for line, row in enumerate(rows, start=4):
        if not row.section:
            sheet.cell(line, 3).alignment = wrap
    for top, left, bottom, right in merges:
        sheet.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)
    workbook.save(path)


# -- what is timed ------------------------------------------------------------------------


def lxml_read(path: Path) -> int:
    """The floor: every w:tc's text from word/document.xml, linearly."""
    with zipfile.ZipFile(path) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    return sum(len("".join(tc.itertext())) for tc in root.iter(f"{{{W}}}tc"))


def openpyxl_read(path: Path) -> int:
    """The floor for Excel: a read-only pass over every cell value."""
    workbook = load_workbook(path, read_only=True)
    count = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            count += sum(value is not None for value in row)
    workbook.close()
    return count


class Database:
    """A migrated SQLite file with the directory, copied fresh for each import."""

    def __init__(self, tmp: Path, configs: Configs) -> None:
        self.tmp = tmp
        self.template = tmp / "template.db"
        upgrade(f"sqlite:///{self.template}")
        engine = make_engine(f"sqlite:///{self.template}")
        with session_scope(engine) as session:
            sync_directory(session=session, directory=configs.directory, actor=ACTOR, now=NOW)
        engine.dispose()
        self.runs = 0

    def fresh(self) -> str:
        self.runs += 1
        target = self.tmp / f"run{self.runs}.db"
        shutil.copy(self.template, target)
        return f"sqlite:///{target}"


def options(path: Path, *, dry_run: bool = False) -> ImportOptions:
    return ImportOptions(
        path=path, org_code=ORG, plan_number="99/KH-UBND", plan_date=date(2025, 12, 20),
        dry_run=dry_run,
    )  # fmt: skip


def full_import(url: str, path: Path, configs: Configs, *, notices: bool = False) -> int:
    """``import_plan`` into the SQLite file at ``url``, committed; with ``notices``, also the
    notices of the new tasks and the refresh of their stored verdicts, which ``sauro import
    FILE`` does in the same transaction."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            result = import_plan(
                session=session, options=options(path), configs=configs, actor=ACTOR, now=NOW
            )
            if notices:
                org = require_id(get_organization(session, result.organization))
                events.plan_imported(session, org, result.plan_key, actor=ACTOR, now=NOW)
                session.flush()
                refresh_verdicts(
                    session.connection(), rules=configs.rules, org_code=ORG, today=NOW.date()
                )
    finally:
        engine.dispose()
    return result.created


def dry_run(url: str, path: Path, configs: Configs) -> int:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            result = import_plan(
                session=session,
                options=options(path, dry_run=True),
                configs=configs,
                actor=ACTOR,
                now=NOW,
            )
            session.rollback()
    finally:
        engine.dispose()
    return len(result.drafts)


def parse_only(path: Path, configs: Configs) -> int:
    return len(read_source(options(path), configs, AreaResolver(configs.areas)).rows)


Measure = tuple[Callable[[Any], Any], Callable[[], Any]]  # what is timed, its untimed setup


def rounds(runs: int, measures: dict[str, Measure]) -> dict[str, list[float]]:
    """Each measure timed once per round, round after round, after one untimed warm-up
    round: on a shared machine the measures of one round see about the same load, so the
    ratio of two measures is taken round by round."""
    times: dict[str, list[float]] = {label: [] for label in measures}
    for attempt in range(runs + 1):
        for label, (fn, setup) in measures.items():
            argument = setup()
            start = time.perf_counter()
            fn(argument)
            if attempt:
                times[label].append(time.perf_counter() - start)
    return times


def _no_setup() -> None:
    return None


def _ratio(slow: list[float], fast: list[float]) -> float:
    """The median, over the rounds, of ``slow`` / ``fast`` measured in the same round."""
    return statistics.median(s / f for s, f in zip(slow, fast, strict=True))


def peak(fn: Callable[[], Any]) -> float:
    """tracemalloc's peak, in MB, of one call."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="tasks in the table")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (best kept)")
    parser.add_argument("--keep", type=Path, help="also copy the generated files to this dir")
    args = parser.parse_args()
    configs = load_configs(REPO / "config")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        rows = plan_rows(args.rows)
        docx, xlsx = tmp / "ke_hoach.docx", tmp / "ke_hoach.xlsx"
        write_docx(docx, rows)
        write_xlsx(xlsx, rows)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(docx, args.keep)
            shutil.copy(xlsx, args.keep)
        database = Database(tmp, configs)
        sizes = (
            f"{docx.stat().st_size / 1e3:,.0f} kB .docx, {xlsx.stat().st_size / 1e3:,.0f} kB .xlsx"
        )
        print(f"{args.rows:,} tasks: {sizes}; {args.runs} rounds after a warm-up round")
        times: dict[str, list[float]] = {}
        peaks: dict[str, float] = {}
        for kind, path, floor in (("docx", docx, lxml_read), ("xlsx", xlsx, openpyxl_read)):
            measures: dict[str, Measure] = {
                "read": (lambda _, p=path, f=floor: f(p), _no_setup),
                "parse": (lambda _, p=path: parse_only(p, configs), _no_setup),
                "dry run": (lambda url, p=path: dry_run(url, p, configs), database.fresh),
                "import": (partial(full_import, path=path, configs=configs), database.fresh),
                "command": (
                    partial(full_import, path=path, configs=configs, notices=True),
                    database.fresh,
                ),
            }
            for label, seconds in rounds(args.runs, measures).items():
                times[f"{kind} {label}"] = seconds
            for label, (fn, setup) in measures.items():
                peaks[f"{kind} {label}"] = peak(lambda f=fn, s=setup: f(s()))
        for label, seconds in times.items():
            print(
                f"{label:15}: {min(seconds) * 1000:8.0f} ms best, "
                f"{statistics.median(seconds) * 1000:6.0f} ms median   "
                f"tracemalloc peak {peaks[label]:6.1f} MB"
            )
        for kind, target in (("docx", 3.0), ("xlsx", 2.0)):
            reading = times[f"{kind} read"]
            ratio = _ratio(times[f"{kind} import"], reading)
            command = _ratio(times[f"{kind} command"], reading)
            verdict = "PASS" if ratio <= target else "MISS"
            best = min(times[f"{kind} import"]) / min(reading)
            print(
                f"{kind} ratio     : {ratio:8.2f}×  import / read, median of the rounds (target "
                f"≤ {target:g}×) {verdict}; of the best times {best:.2f}×; sauro import "
                f"{command:.2f}×"
            )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max RSS     : {maxrss:8.0f} MB (the whole run)")


if __name__ == "__main__":
    main()
