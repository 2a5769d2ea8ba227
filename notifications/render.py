"""Render digests into mails with the administrator's Jinja2 templates, in a sandbox. Pure.

Layout of ``config/templates/`` (one folder, no sub-folders):

- a *template set* is three files sharing a name: ``<name>.subject.txt`` (the subject,
  joined into one line), ``<name>.txt`` (the plain-text body) and ``<name>.html`` (the HTML
  body). The name is what a ladder step writes in ``template:`` (``digest``,
  ``escalation``); it is written in lower-case ASCII letters, digits, "-" and "_";
- a file whose name starts with "_" (``_sections.html``) is a shared part that the others
  pull in with ``{% include %}``; it is not a template set by itself;
- any other .txt or .html name is an error (a misspelt template would otherwise sit unused);
  files with other extensions (README.md, backups such as digest.html.bak) are ignored.

Templates run in ``jinja2.sandbox.ImmutableSandboxedEnvironment`` with ``StrictUndefined``:
they can read the digest but not reach Python internals (``{{ ''.__class__ }}`` and
``cycler.__init__.__globals__`` raise ``SecurityError``), nor mutate anything, nor build
huge strings or numbers. HTML files are autoescaped, so task text such as
``<script>`` arrives as text; subjects and plain text are not escaped. Dates print as
dd/mm/yyyy and None as nothing.

Every template error (syntax, unknown variable, sandbox violation, anything a template
expression raises) becomes a ``ConfigError`` whose problems name the file and line:
"digest.html, dòng 12: biến 'tên_sai' không tồn tại". ``TemplateSet.load`` compiles every
file, checks the variable names of each template statically, then renders every template
set against sample digests, so a broken template is found by ``sauro rules check``
(``check_templates``) rather than on the morning the mails go out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    FunctionLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    nodes,
)
from jinja2.exceptions import SecurityError

from engine.errors import ConfigError, Location, Problem
from engine.template_sandbox import BoundedSandbox
from notifications.digest import (
    Digest,
    DigestPlan,
    NewsItem,
    ResolvedRecipient,
    build_digests,
    recipient_key,
)
from notifications.template_values import Values, template_values
from rules.escalation import Role, StepKind
from rules.ladder import PlannedMessage

SOURCE = "config/templates"

# (part, file suffix): the three files of a template set.
PARTS: tuple[tuple[str, str], ...] = (
    ("subject", ".subject.txt"),
    ("text", ".txt"),
    ("html", ".html"),
)

TEMPLATE_VARIABLES: dict[str, str] = {
    "today": "ngày chạy (in ra dạng dd/mm/yyyy)",
    "digest.name, digest.title, digest.to": "họ tên, chức vụ, địa chỉ thư của người nhận",
    "digest.role_labels": "các vai trò mà người nhận được gửi thư (danh sách)",
    "digest.scope_name": "đơn vị chủ trì chung của mọi mục, nếu không thì tên UBND",
    "digest.summary": 'tóm tắt: "1 việc mới, 2 nhiệm vụ sắp đến hạn, 1 nhiệm vụ quá hạn"',
    "digest.count": "tổng số mục trong thư (cả việc mới)",
    "digest.link": "địa chỉ trang Sáu Rõ (SAURO_BASE_URL)",
    "digest.ledger_keys": "mã ghi sổ các thư nhắc mà thư này gộp lại",
    "digest.news": 'các thông báo "Việc mới của bạn" (danh sách, có thể rỗng); mỗi thông báo '
    "(news): news.kind_label (loại), news.headline (việc gì), news.body (chi tiết), "
    'news.when ("15:30 ngày 22/11/2026"), news.link (trang để xử lý)',
    "sections": "các nhóm nhắc việc có mục (= digest.sections), theo thứ tự: kết quả chờ xác "
    "nhận, sắp đến hạn, đến hạn hôm nay, quá hạn, chưa đạt 6 rõ, báo cáo chưa gửi",
    "section.key, section.title, section.items, section.count, section.phrase": "mã nhóm, "
    'tên nhóm, các mục, số mục, "2 nhiệm vụ sắp đến hạn"',
    "digest.awaiting, digest.due_soon, digest.due_today, "
    "digest.overdue, digest.unclear, digest.missing_report": "các mục của từng nhóm (danh "
    "sách, có thể rỗng)",
    "item.label": '"nhiệm vụ 1.2" hoặc "báo cáo quý I/2026 của Văn phòng"',
    "item.ref, item.work": "số thứ tự nhiệm vụ trong kế hoạch, nội dung nhiệm vụ",
    "item.lead_unit_name, item.org_name": "tên đơn vị chủ trì, tên UBND",
    "item.due, item.effective_due, item.moved": "hạn ghi trong kế hoạch, hạn tính (lùi sang "
    "ngày làm việc kế tiếp khi hạn rơi vào ngày nghỉ), hạn có bị lùi không",
    "item.days_late": "số ngày làm việc quá hạn (0 nếu chưa quá hạn)",
    "item.unclear_labels": 'các "rõ" cần sửa: Rõ người, Rõ thời gian…',
    "item.is_report, item.period_label": 'mục là báo cáo của đơn vị; kỳ báo cáo "quý I/2026"',
    "item.rule": 'căn cứ nhắc bằng lời: "quá hạn từ 5 ngày làm việc, nhắc lại hằng tuần — báo '
    'Phó Chủ tịch phụ trách"',
    "item.link": "trang của nhiệm vụ (hoặc trang báo cáo của đơn vị) trên Sáu Rõ",
    "item.step_ids, item.config_version": "mã bước nhắc và phiên bản cấu hình đã sinh ra mục "
    "(đã ghi ở tiêu đề kỹ thuật của thư; không nên in ra cho người đọc)",
}

TEMPLATE_FILTERS: dict[str, str] = {
    "ngay": "ngày dạng dd/mm/yyyy: {{ item.due | ngay }} → 23/11/2026",
    "ngay_thang": "ngày theo Nghị định 30/2020: {{ today | ngay_thang }} → ngày 05 tháng 02 "
    "năm 2026",
    "so_ngay": "số ngày làm việc: {{ item.days_late | so_ngay }} → 3 ngày làm việc",
}

_NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One mail ready for delivery: what to send, to whom, and which ledger keys it covers."""

    subject: str
    text: str
    html: str
    to: str
    ledger_keys: tuple[str, ...]
    to_name: str = ""
    template: str = ""


# --- filters -------------------------------------------------------------------------


def format_date(value: date | None) -> str:
    """ "23/11/2026"; nothing for None."""
    if value is None:
        return ""
    if not isinstance(value, date):
        raise TypeError(f"bộ lọc ngay cần một ngày, nhận {value!r}")
    return _date_text(value)


@lru_cache(maxsize=4096)
def _date_text(value: date) -> str:
    # A mail prints the same few dates many times.
    return value.strftime("%d/%m/%Y")


def format_document_date(value: date | None) -> str:
    """ "ngày 05 tháng 02 năm 2026" as NĐ 30/2020 writes it: a 0 before days under 10 and
    before months 1 and 2."""
    if value is None:
        return ""
    if not isinstance(value, date):
        raise TypeError(f"bộ lọc ngay_thang cần một ngày, nhận {value!r}")
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


def format_days(value: int) -> str:
    """ "3 ngày làm việc"."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"bộ lọc so_ngay cần một số nguyên, nhận {value!r}")
    return f"{value} ngày làm việc"


def _finalize(value: Any) -> Any:
    """What ``{{ … }}`` prints: dates as dd/mm/yyyy, None as nothing, tuples joined."""
    if type(value) is str:  # most of what a mail prints
        return value
    if value is None:
        return ""
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, tuple) and all(isinstance(part, str) for part in value):
        return ", ".join(value)
    return value


# --- the sandbox ---------------------------------------------------------------------


class _Sandbox(BoundedSandbox):
    """The bounded sandbox, reading a digest's own values without a check per read."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        # A digest's own values are plain data read once (``template_values``): no check
        # is needed, and this is the read a template makes hundreds of times per mail.
        if type(obj) is Values:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def _environment(sources: Mapping[str, str]) -> _Sandbox:
    """A sandbox loading templates from memory, each file under its own name."""

    def load(name: str) -> tuple[str, str, Callable[[], bool]] | None:
        if name not in sources:
            return None
        return sources[name], name, lambda: True

    env = _Sandbox(
        loader=FunctionLoader(load),
        undefined=StrictUndefined,
        autoescape=lambda name: name is not None and name.endswith(".html"),
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.pop("lipsum", None)  # makes text of any length: no use in a mail
    env.filters.update(ngay=format_date, ngay_thang=format_document_date, so_ngay=format_days)
    return env


# --- the template set ----------------------------------------------------------------


class TemplateSet:
    """The validated templates of ``config/templates``; build with ``load`` or ``from_sources``."""

    def __init__(
        self, env: _Sandbox, files: Iterable[str], names: Iterable[str], source: str
    ) -> None:
        self._env = env
        self._files = frozenset(files)
        self.names: tuple[str, ...] = tuple(sorted(names))
        self.source = source

    @classmethod
    def load(cls, folder: Path) -> TemplateSet:
        """Read, compile and validate every template in ``folder``; ``ConfigError`` lists
        every problem with its file and line."""
        return cls.from_sources(_read_folder(folder), source=str(folder))

    @classmethod
    def from_sources(cls, sources: Mapping[str, str], *, source: str = SOURCE) -> TemplateSet:
        """Validate templates given as {file name: text}; as ``load`` without the disk."""
        sources = dict(sources)
        problems: dict[str, Problem] = {}
        names = _template_sets(sources, problems)
        env = _environment(sources)
        broken = _compile_all(env, sources, problems)
        templates = cls(env, sources, names, source)
        for name in sorted(names):
            files = [file for file in _files_of(name) if file in sources]
            for file in files:
                if file not in broken:
                    _check_names(env, file, sources[file], problems)
            if not names[name] and broken.isdisjoint(files):
                templates._try_samples(name, problems)
        if problems:
            raise _invalid(source, list(problems.values()))
        return templates

    def require(self, names: Iterable[str]) -> None:
        """``ConfigError`` if a template set the ladder names is missing."""
        problems = [self._missing(name) for name in sorted(set(names)) if name not in self.names]
        if problems:
            raise _invalid(self.source, problems)

    def render(self, digest: Digest) -> RenderedMessage:
        """The mail of one digest, with the template set it names."""
        if digest.template not in self.names:
            raise _invalid(self.source, [self._missing(digest.template)])
        rendered: dict[str, str] = {}
        context = _context(digest)
        for part, suffix in PARTS:
            file = digest.template + suffix
            try:
                rendered[part] = self._env.get_template(file).render(context)
            # Admin template code may raise anything; every failure is a template problem.
            except Exception as error:
                raise _invalid(self.source, [_problem(error, file, self._files)]) from error
        return RenderedMessage(
            subject=" ".join(rendered["subject"].split()),
            text=rendered["text"].strip() + "\n",
            html=rendered["html"].strip() + "\n",
            to=digest.to,
            ledger_keys=digest.ledger_keys,
            to_name=digest.name,
            template=digest.template,
        )

    def _missing(self, name: str) -> Problem:
        files = ", ".join(_files_of(name))
        return Problem(
            Location(file=self.source),
            f"không có mẫu thư '{name}' (cần đủ ba tệp {files}); tên mẫu là giá trị "
            "template của các bước trong escalation.yaml",
        )

    def _try_samples(self, name: str, problems: dict[str, Problem]) -> None:
        """Render one template set against every sample digest, recording what fails."""
        for digest in sample_digests():
            sample = _with_template(digest, name)
            try:
                self.render(sample)
            except ConfigError as error:
                for problem in error.problems:
                    problems.setdefault(str(problem), problem)


def render_digest(digest: Digest, templates: TemplateSet) -> RenderedMessage:
    """The mail of one digest; ``ConfigError`` naming file and line when a template fails."""
    return templates.render(digest)


def render_plan(plan: DigestPlan, templates: TemplateSet) -> tuple[RenderedMessage, ...]:
    """The mails of a whole run, in digest order."""
    return tuple(templates.render(digest) for digest in plan.digests)


def check_templates(folder: Path, *, names: Iterable[str] = ()) -> TemplateSet:
    """Validate ``folder`` for ``sauro rules check``; ``names`` are the template sets the
    ladder uses (``{step.template for step in ladder.steps}``), which must all exist."""
    templates = TemplateSet.load(folder)
    templates.require(names)
    return templates


# --- loading -------------------------------------------------------------------------


def _read_folder(folder: Path) -> dict[str, str]:
    """The text of every .html and .txt file directly in ``folder``."""
    if not folder.is_dir():
        problem = Problem(Location(file=str(folder)), "không có thư mục mẫu thư")
        raise ConfigError(f"Không đọc được mẫu thư trong {folder}", [problem])
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix not in (".html", ".txt"):
            continue
        try:
            sources[path.name] = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            message = "không đọc được: tệp phải lưu với bảng mã UTF-8"
            problems.append(Problem(Location(file=path.name), message))
    if problems:
        raise _invalid(str(folder), problems)
    return sources


def _files_of(name: str) -> tuple[str, ...]:
    """ "digest" → ("digest.subject.txt", "digest.txt", "digest.html")."""
    return tuple(name + suffix for _, suffix in PARTS)


def _set_name(file: str) -> str | None:
    """The template set a file belongs to ("digest.subject.txt" → "digest"); None for a
    shared part ("_sections.html")."""
    if file.startswith("_"):
        return None
    for _, suffix in PARTS:  # ".subject.txt" is tried before ".txt"
        if file.endswith(suffix):
            return file[: -len(suffix)]
    return file


def _template_sets(sources: Mapping[str, str], problems: dict[str, Problem]) -> dict[str, bool]:
    """Template set name → whether one of its files is missing; bad names are problems."""
    found: dict[str, set[str]] = {}
    for file in sorted(sources):
        name = _set_name(file)
        if name is None:
            continue
        if not _NAME.fullmatch(name):
            _add(
                problems,
                Location(file=file),
                "tên tệp mẫu không hợp lệ: tên mẫu chỉ gồm chữ thường không dấu, chữ số, "
                "'-' hoặc '_' và tệp phải là <tên>.subject.txt, <tên>.txt hoặc <tên>.html "
                "(phần dùng chung thì bắt đầu bằng '_')",
            )
            continue
        found.setdefault(name, set()).add(file)
    incomplete: dict[str, bool] = {}
    for name, files in found.items():
        missing = [file for file in _files_of(name) if file not in files]
        for file in missing:
            _add(problems, Location(file=file), f"thiếu tệp này của mẫu thư '{name}'")
        incomplete[name] = bool(missing)
    return incomplete


def _compile_all(
    env: _Sandbox, sources: Mapping[str, str], problems: dict[str, Problem]
) -> set[str]:
    """Compile every file; the names of those that fail (their problems recorded)."""
    broken: set[str] = set()
    for file in sorted(sources):
        try:
            env.get_template(file)
        except TemplateSyntaxError as error:
            broken.add(file)
            problem = _problem(error, file, frozenset(sources))
            problems.setdefault(str(problem), problem)
    return broken


def _check_names(env: _Sandbox, file: str, source: str, problems: dict[str, Problem]) -> None:
    """Every variable a template reads must exist, even in a branch no sample reaches."""
    tree = env.parse(source, file, file)
    allowed = set(_CONTEXT_NAMES) | set(env.globals)
    unknown = meta.find_undeclared_variables(tree) - allowed
    for name in sorted(unknown):
        lines = [
            node.lineno
            for node in tree.find_all(nodes.Name)
            if node.name == name and node.ctx == "load"
        ]
        where = Location(file=file, row=min(lines) if lines else None)
        _add(problems, where, _unknown_variable(name))


def _add(problems: dict[str, Problem], where: Location, message: str) -> None:
    problem = Problem(where, message)
    problems.setdefault(str(problem), problem)


def _invalid(source: str, problems: list[Problem]) -> ConfigError:
    """One error listing every template problem."""
    return ConfigError(f"Mẫu thư trong {source} không hợp lệ ({len(problems)} lỗi)", problems)


# --- rendering -----------------------------------------------------------------------

_CONTEXT_NAMES = ("digest", "sections", "today")


def _context(digest: Digest) -> dict[str, Any]:
    """The variables a template sees (documented in ``TEMPLATE_VARIABLES``)."""
    values = template_values(digest)
    return {"digest": values, "sections": values["sections"], "today": digest.today}


def _with_template(digest: Digest, name: str) -> Digest:
    """The same digest rendered with another template set."""
    return replace(digest, template=name)


# --- errors, said in Vietnamese --------------------------------------------------------

_UNDEFINED_NAME = re.compile(r"'(?P<name>[^']+)' is undefined")
_NO_ATTRIBUTE = re.compile(r"'(?P<owner>[^']+)' has no (?:attribute|element) (?P<name>.+)$")
_UNSAFE_ATTRIBUTE = re.compile(r"access to attribute '(?P<name>[^']+)'")
_UNKNOWN_TAG = re.compile(r"Encountered unknown tag '(?P<tag>[^']+)'")


def _problem(error: BaseException, file: str, files: frozenset[str]) -> Problem:
    """A template error located at its template file and line, explained in Vietnamese."""
    where_file, line = _where(error, file, files)
    return Problem(Location(file=where_file, row=line), _explain(error))


def _where(error: BaseException, file: str, files: frozenset[str]) -> tuple[str, int | None]:
    """The file and line of the innermost template frame of the error."""
    if isinstance(error, TemplateSyntaxError):
        return error.name or file, error.lineno
    found: tuple[str, int | None] = (file, None)
    for frame_file, line in _frames(error.__traceback__):
        if frame_file in files:  # Jinja2 rewrites template frames to the template's name
            found = (frame_file, line)
    return found


def _frames(tb: TracebackType | None) -> Iterator[tuple[str, int]]:
    while tb is not None:
        yield tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next


def _explain(error: BaseException) -> str:
    """What went wrong, for the administrator who edits the template."""
    text = str(getattr(error, "message", None) or error)
    for kind, explain in _EXPLAINERS:
        if isinstance(error, kind):
            return explain(text)
    if isinstance(error, TemplateNotFound):
        return f"không có tệp mẫu '{error.name}' (được gọi bằng include hoặc import)"
    if isinstance(error, TemplateError):
        return f"lỗi mẫu thư ({text})"
    return f"lỗi khi dựng thư ({type(error).__name__}: {text})"


def _security_message(text: str) -> str:
    match = _UNSAFE_ATTRIBUTE.search(text)
    if match:
        return (
            f"truy cập '{match['name']}' là thao tác không an toàn nên bị chặn; mẫu thư "
            "chỉ được đọc các biến được cung cấp"
        )
    return f"thao tác không an toàn nên bị chặn ({text})"


def _syntax_message(text: str) -> str:
    match = _UNKNOWN_TAG.search(text)
    if match:
        return (
            f"sai cú pháp: lệnh '{match['tag']}' không có hoặc đặt sai chỗ (thiếu lệnh mở "
            "tương ứng?)"
        )
    if text.lower().startswith("unexpected end of template"):
        return f"sai cú pháp: mẫu kết thúc khi một khối lệnh chưa đóng ({text})"
    return f"sai cú pháp mẫu thư ({text})"


def _undefined_message(text: str) -> str:
    match = _UNDEFINED_NAME.fullmatch(text)
    if match:
        return _unknown_variable(match["name"])
    match = _NO_ATTRIBUTE.fullmatch(text)
    if match:
        name = match["name"].strip("'")
        return f"thuộc tính '{name}' không tồn tại (trong {match['owner']})"
    return f"giá trị không tồn tại ({text})"


_EXPLAINERS: tuple[tuple[type[BaseException], Callable[[str], str]], ...] = (
    (TemplateSyntaxError, _syntax_message),
    (UndefinedError, _undefined_message),
    (SecurityError, _security_message),
)


def _unknown_variable(name: str) -> str:
    known = ", ".join(_CONTEXT_NAMES)
    return f"biến '{name}' không tồn tại (các biến có sẵn: {known})"


# --- samples ---------------------------------------------------------------------------

_SAMPLE_TODAY = date(2026, 11, 23)
_SAMPLE_ORG = "xuan-duong"
_SAMPLE_VERSION = "2026-01-01"
_SAMPLE_URL = "https://sauro.xuanduong.example.vn"


@cache
def sample_digests() -> tuple[Digest, ...]:
    """Two digests that reach every field and branch templates usually have: a unit head
    with an item in each section, and a bare named address with sparse items."""
    org_names = {_SAMPLE_ORG: "Ủy ban nhân dân xã Xuân Dương"}
    unit_names = {
        (_SAMPLE_ORG, "van-phong"): "Văn phòng HĐND và UBND",
        (_SAMPLE_ORG, "phong-vh-xh"): "Phòng Văn hóa - Xã hội",
    }
    head = ResolvedRecipient(
        "Nguyễn Thị Lan", "Chánh Văn phòng", "lannt@xuanduong.example.vn", Role.LEAD_HEAD
    )
    messages = [*_full_sample(), *_sparse_sample()]
    recipients = {recipient_key(m): [head] for m in messages if m.role is Role.LEAD_HEAD}
    plan = build_digests(
        messages,
        recipients=recipients,
        today=_SAMPLE_TODAY,
        org_names=org_names,
        unit_names=unit_names,
        news=_news_sample(head, org_names[_SAMPLE_ORG]),
        base_url=_SAMPLE_URL,
    )
    return plan.digests


def _news_sample(head: ResolvedRecipient, org_name: str) -> list[NewsItem]:
    """Two event notices for the unit head: a task given, a result returned."""
    at = datetime(2026, 11, 22, 15, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    notices = [
        (
            "Nhiệm vụ mới giao cho đơn vị",
            "Nhiệm vụ 1.5 giao cho Văn phòng HĐND và UBND chủ trì",
            "Rà soát quy chế làm việc của Ủy ban nhân dân xã. Thời hạn: 31/12/2026.",
            7,
        ),
        (
            "Kết quả bị trả lại",
            "Kết quả nhiệm vụ 1.6 bị trả lại",
            "Lý do: thiếu biểu số liệu kèm theo & <phụ lục>.",
            8,
        ),
    ]
    return [
        NewsItem(
            to=head.email or "",
            name=head.name,
            title=head.title,
            org=_SAMPLE_ORG,
            org_name=org_name,
            kind_label=label,
            headline=headline,
            body=body,
            at=at,
            link=f"{_SAMPLE_URL}/tasks/{task_id}",
            ledger_key=f"sample:notice:{task_id}|email",
        )
        for label, headline, body, task_id in notices
    ]


def _full_sample() -> list[PlannedMessage]:
    """A unit head's digest with one item in each section."""
    head = Role.LEAD_HEAD
    return [
        _sample(
            StepKind.AWAITING,
            "awaiting-acceptor",
            head,
            task_id=9,
            ref="3.1",
            work="Công khai thủ tục hành chính tại Trung tâm Phục vụ hành chính công xã",
            due=date(2026, 11, 20),
        ),
        _sample(
            StepKind.BEFORE_DUE,
            "before-3",
            head,
            task_id=1,
            ref="1.2",
            work="Xây dựng Kế hoạch cải cách hành chính năm 2027",
            due=date(2026, 11, 26),
        ),
        _sample(
            StepKind.DUE_DAY,
            "due-day",
            head,
            task_id=2,
            ref="2.1",
            work="Rà soát, công bố danh mục thủ tục hành chính thuộc thẩm quyền của xã",
            due=_SAMPLE_TODAY,
        ),
        _sample(
            StepKind.OVERDUE,
            "overdue-lead-head",
            head,
            task_id=3,
            ref="3.4",
            work="Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính & <lưu trữ>",
            due=date(2026, 11, 14),
            effective=date(2026, 11, 16),
            late=5,
        ),
        _sample(
            StepKind.UNCLEAR,
            "unclear-fixer",
            head,
            task_id=4,
            ref="4.1",
            work="Tuyên truyền về cải cách hành chính",
            unclear=("person", "deadline"),
        ),
        _sample(
            StepKind.MISSING_REPORT,
            "report-missing-head",
            head,
            due=date(2026, 9, 10),
            late=51,
            period="2026-Q3",
        ),
    ]


def _sparse_sample() -> list[PlannedMessage]:
    """A bare named address: no name, no title, no lead unit, no reference, no due date."""
    named = "vanthu@xuanduong.example.vn"
    return [
        _sample(
            StepKind.DUE_DAY,
            "due-day",
            Role.NAMED,
            task_id=5,
            work="Kiểm tra công tác cải cách hành chính",
            due=_SAMPLE_TODAY,
            unit=None,
            named=named,
        ),
        _sample(
            StepKind.UNCLEAR,
            "unclear-fixer",
            Role.NAMED,
            task_id=6,
            ref="6",
            work="Triển khai nhiệm vụ",
            unit=None,
            named=named,
            unclear=("responsibility",),
        ),
    ]


def _sample(
    kind: StepKind,
    step_id: str,
    role: Role,
    *,
    task_id: int | None = None,
    ref: str = "",
    work: str = "",
    due: date | None = None,
    effective: date | None = None,
    late: int = 0,
    unit: str | None = "van-phong",
    named: str | None = None,
    unclear: tuple[str, ...] = (),
    period: str | None = None,
) -> PlannedMessage:
    """One sample message; a report when ``period`` is given."""
    report = f"{_SAMPLE_ORG}/{unit}/{period}" if period else None
    return PlannedMessage(
        kind=kind,
        step_id=step_id,
        config_version=_SAMPLE_VERSION,
        template="digest",
        role=role,
        named=named,
        org=_SAMPLE_ORG,
        task_id=task_id,
        ref=ref,
        work=work,
        report=report,
        period=period,
        lead_unit=unit,
        due=due,
        effective_due=effective or due,
        days_late=late,
        occurrence=0,
        deadline_version=1,
        unclear=unclear,
        ledger_key=f"sample:{report or task_id}|{step_id}|{role.value}",
    )
