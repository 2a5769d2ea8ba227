"""Who may do what: the ONE place the web app (pages and API) authorizes an action.

Two layers, both data:

- ``MATRIX``: for each action, the roles that may do it at all;
- scope rules on a task (``TaskScope``) or a unit (``allowed_unit``): every account sees
  only its organization; a unit head sees and changes only the tasks its unit leads (and
  names their officers among its unit's people: ``engine.tasks.delegation``), and sees the
  tasks its unit coordinates, where its people record the unit's part and nothing else
  (``engine.tasks.coordination``); a unit head reports only for its unit; an officer acts
  only on the tasks where they are the named person, and reads those, the tasks its unit
  leads and those it coordinates; everyone else in the matrix works across the
  organization.

Accepting or returning a task's result is open only while the organization requires
acceptance, and to whom it names (``TaskScope.acceptor``): the Chairman and Vice-Chairmen
when the acceptor is the task's authority; the standing office, and the leaders above it,
when it is the standing office.

Deciding an extension is further limited by ``engine.tasks.actions``: only the task's
authority (the organization's Chairman or a Vice-Chairman, as the directory records them)
decides, and the account of a Chairman or Vice-Chairman is linked to that person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from engine.errors import PermissionDeniedError
from engine.store.models import UserRole


class Action(StrEnum):
    VIEW_TASKS = "view_tasks"
    EDIT_TASK = "edit_task"  # the six dimensions
    ASSIGN_TASK = "assign_task"  # a new task by hand, with the document it comes from
    DELEGATE_TASK = "delegate_task"  # name the officer (rõ người) among the lead unit's people
    COORDINATE_TASK = "coordinate_task"  # a coordinating unit records its part (phối hợp)
    REPORT_PROGRESS = "report_progress"
    COMPLETE_TASK = "complete_task"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    ACCEPT_RESULT = "accept_result"  # accept a completed task's result, or return it
    IMPORT_PLAN = "import_plan"
    VIEW_PLANS = "view_plans"  # the list of plans and assigning documents
    WITHDRAW_PLAN = "withdraw_plan"  # one imported by mistake: its tasks withdrawn
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_REPORTS = "view_reports"
    GENERATE_REPORT = "generate_report"
    EDIT_REPORT_TEXT = "edit_report_text"  # the text of the report's sections, per period
    EDIT_CONFIG = "edit_config"
    SUBMIT_UNIT_REPORT = "submit_unit_report"  # download and return a unit's period form
    MANAGE_USERS = "manage_users"  # the organization's accounts
    CHANGE_ROLE = "change_role"  # an account's role (and directory person), audited
    OWN_PREFERENCES = "own_preferences"  # how one's own person hears of their work
    MANAGE_DIRECTORY = "manage_directory"  # units: add, rename, merge, head, deputies, kind
    EDIT_PEOPLE = "edit_people"  # the directory's people: add, edit, move, mark as left
    APPROVE_REPORT = "approve_report"  # approve (sign) a submitted period report, or return it
    VIEW_NOTICES = "view_notices"  # one's own inbox: only the notices of one's own person
    VIEW_ROLLUP = "view_rollup"  # the children's figures and issued reports (parent only)


ACTION_LABELS: dict[Action, str] = {
    Action.VIEW_TASKS: "xem nhiệm vụ",
    Action.EDIT_TASK: "sửa sáu rõ của nhiệm vụ",
    Action.ASSIGN_TASK: "giao nhiệm vụ mới",
    Action.DELEGATE_TASK: "giao người thực hiện",
    Action.COORDINATE_TASK: "ghi phần việc phối hợp",
    Action.REPORT_PROGRESS: "báo cáo tiến độ",
    Action.COMPLETE_TASK: "ghi nhận hoàn thành",
    Action.REQUEST_EXTENSION: "đề nghị gia hạn",
    Action.DECIDE_EXTENSION: "quyết định gia hạn",
    Action.ACCEPT_RESULT: "xác nhận hoặc trả lại kết quả",
    Action.IMPORT_PLAN: "nhập kế hoạch",
    Action.VIEW_PLANS: "xem danh sách kế hoạch, văn bản",
    Action.WITHDRAW_PLAN: "rút kế hoạch, văn bản",
    Action.VIEW_DASHBOARD: "xem bảng điều hành",
    Action.VIEW_REPORTS: "xem báo cáo kỳ",
    Action.GENERATE_REPORT: "lập báo cáo kỳ",
    Action.EDIT_REPORT_TEXT: "sửa nội dung báo cáo kỳ",
    Action.EDIT_CONFIG: "sửa cấu hình",
    Action.SUBMIT_UNIT_REPORT: "nộp báo cáo của đơn vị",
    Action.MANAGE_USERS: "quản lý tài khoản",
    Action.CHANGE_ROLE: "đổi vai trò tài khoản",
    Action.OWN_PREFERENCES: "chọn cách nhận thông báo",
    Action.MANAGE_DIRECTORY: "quản lý danh mục đơn vị",
    Action.EDIT_PEOPLE: "sửa danh mục cán bộ",
    Action.APPROVE_REPORT: "duyệt hoặc trả lại báo cáo kỳ",
    Action.VIEW_NOTICES: "xem thông báo của mình",
    Action.VIEW_ROLLUP: "xem tổng hợp của các cơ quan cấp dưới",
}

_ALL = frozenset(UserRole)
_LEADERS = frozenset({UserRole.CHAIRMAN, UserRole.VICE_CHAIRMAN})
_UNITS = frozenset({UserRole.UNIT_HEAD, UserRole.OFFICER})

MATRIX: dict[Action, frozenset[UserRole]] = {
    Action.VIEW_TASKS: _ALL,
    Action.EDIT_TASK: frozenset({UserRole.STANDING_OFFICE}),
    Action.ASSIGN_TASK: _LEADERS | {UserRole.STANDING_OFFICE},
    Action.DELEGATE_TASK: frozenset({UserRole.UNIT_HEAD, UserRole.STANDING_OFFICE}),
    Action.COORDINATE_TASK: _UNITS,
    Action.REPORT_PROGRESS: _UNITS,
    Action.COMPLETE_TASK: _UNITS,
    Action.REQUEST_EXTENSION: _UNITS,
    Action.DECIDE_EXTENSION: _LEADERS,
    Action.ACCEPT_RESULT: _LEADERS | {UserRole.STANDING_OFFICE},
    Action.IMPORT_PLAN: frozenset({UserRole.STANDING_OFFICE}),
    Action.VIEW_PLANS: _LEADERS | {UserRole.STANDING_OFFICE},
    Action.WITHDRAW_PLAN: frozenset({UserRole.STANDING_OFFICE}),
    Action.VIEW_DASHBOARD: _LEADERS | {UserRole.STANDING_OFFICE},
    Action.VIEW_REPORTS: _LEADERS | {UserRole.STANDING_OFFICE},
    Action.GENERATE_REPORT: frozenset({UserRole.STANDING_OFFICE}),
    Action.EDIT_REPORT_TEXT: frozenset({UserRole.STANDING_OFFICE}),
    Action.EDIT_CONFIG: frozenset({UserRole.ADMIN}),
    Action.SUBMIT_UNIT_REPORT: frozenset({UserRole.UNIT_HEAD, UserRole.STANDING_OFFICE}),
    Action.MANAGE_USERS: frozenset({UserRole.ADMIN}),
    Action.CHANGE_ROLE: frozenset({UserRole.ADMIN}),
    # Every account; one without a directory person has no preferences (the page says so).
    Action.OWN_PREFERENCES: _ALL,
    # The directory of the account's own organization: its units for the administrator; its
    # people also for the standing office, who follows who does what.
    Action.MANAGE_DIRECTORY: frozenset({UserRole.ADMIN}),
    Action.EDIT_PEOPLE: frozenset({UserRole.ADMIN, UserRole.STANDING_OFFICE}),
    Action.APPROVE_REPORT: _LEADERS,
    Action.VIEW_NOTICES: _ALL,
    # Always the account's own organization's children (``engine.web.rollup``).
    Action.VIEW_ROLLUP: _LEADERS | {UserRole.STANDING_OFFICE},
}

# Actions on one task; the others concern the organization as a whole.
TASK_ACTIONS = frozenset(
    {
        Action.VIEW_TASKS,
        Action.EDIT_TASK,
        Action.DELEGATE_TASK,
        Action.COORDINATE_TASK,
        Action.REPORT_PROGRESS,
        Action.COMPLETE_TASK,
        Action.REQUEST_EXTENSION,
        Action.DECIDE_EXTENSION,
        Action.ACCEPT_RESULT,
    }
)


@dataclass(frozen=True)
class Principal:
    """The signed-in account as the policy sees it."""

    user_id: int
    username: str
    role: UserRole
    organization_id: int
    person_id: int | None
    unit_id: int | None


@dataclass(frozen=True)
class TaskScope:
    """What the policy needs to know of a task."""

    organization_id: int
    lead_unit_id: int | None
    person_id: int | None
    coordinator_unit_ids: frozenset[int] = frozenset()
    # Who accepts results in the task's organization ("authority" or "standing_office"),
    # None when it does not require acceptance.
    acceptor: str | None = None


def allowed(principal: Principal, action: Action, task: TaskScope | None = None) -> bool:
    """Whether ``principal`` may do ``action``: at all (``task`` None), or on ``task``."""
    if principal.role not in MATRIX[action]:
        return False
    if task is None:  # the role may; on a task, the scope rules decide as well
        return True
    if task.organization_id != principal.organization_id:
        return False
    return _ON_TASK.get(action, _changes)(principal, task)


def _sees(principal: Principal, task: TaskScope) -> bool:
    if principal.role == UserRole.UNIT_HEAD:
        return _in_unit(principal, task) or _coordinates(principal, task)
    if principal.role == UserRole.OFFICER:
        return _own(principal, task) or _in_unit(principal, task) or _coordinates(principal, task)
    return True


@dataclass(frozen=True)
class TaskVisibility:
    """The tasks of its organization an account sees (``VIEW_TASKS``), as data a list's
    query applies: every task, or those its unit leads (``lead_unit_id``), those where it
    is the named person (``person_id``) and those its unit coordinates
    (``coordinator_unit_id``). ``admits`` is ``allowed(…, VIEW_TASKS, task)``."""

    organization_id: int
    everything: bool
    lead_unit_id: int | None = None
    person_id: int | None = None
    coordinator_unit_id: int | None = None

    def admits(self, task: TaskScope) -> bool:
        if task.organization_id != self.organization_id:
            return False
        return self.everything or (
            (self.lead_unit_id is not None and task.lead_unit_id == self.lead_unit_id)
            or (self.person_id is not None and task.person_id == self.person_id)
            or (
                self.coordinator_unit_id is not None
                and self.coordinator_unit_id in task.coordinator_unit_ids
            )
        )


def task_visibility(principal: Principal) -> TaskVisibility:
    """The tasks ``principal`` may see (``_sees`` as data); raises ``PermissionDeniedError``
    when the role sees none."""
    authorize(principal, Action.VIEW_TASKS)
    org = principal.organization_id
    if principal.role not in (UserRole.UNIT_HEAD, UserRole.OFFICER):
        return TaskVisibility(org, everything=True)
    own = principal.person_id if principal.role == UserRole.OFFICER else None
    return TaskVisibility(org, False, principal.unit_id, own, principal.unit_id)


def _coordinates(principal: Principal, task: TaskScope) -> bool:
    return principal.unit_id is not None and principal.unit_id in task.coordinator_unit_ids


def _changes(principal: Principal, task: TaskScope) -> bool:
    if principal.role == UserRole.UNIT_HEAD:
        return _in_unit(principal, task)
    if principal.role == UserRole.OFFICER:
        return _own(principal, task)
    return True


def _accepts(principal: Principal, task: TaskScope) -> bool:
    if task.acceptor is None:
        return False
    return principal.role in _LEADERS or task.acceptor == "standing_office"


# The scope rule of each task action; ``_changes`` for the others.
_ON_TASK: dict[Action, Callable[[Principal, TaskScope], bool]] = {
    Action.VIEW_TASKS: _sees,
    Action.COORDINATE_TASK: _coordinates,
    Action.ACCEPT_RESULT: _accepts,
}


def _in_unit(principal: Principal, task: TaskScope) -> bool:
    return principal.unit_id is not None and task.lead_unit_id == principal.unit_id


def _own(principal: Principal, task: TaskScope) -> bool:
    return principal.person_id is not None and task.person_id == principal.person_id


def authorize(principal: Principal, action: Action, task: TaskScope | None = None) -> None:
    """Raise ``PermissionDeniedError`` (Vietnamese) unless ``allowed``."""
    if not allowed(principal, action, task):
        what = ACTION_LABELS[action]
        # "xem nhiệm vụ" + " này", "báo cáo tiến độ" + " nhiệm vụ này": never the word twice
        where = "" if task is None else " này" if what.endswith("nhiệm vụ") else " nhiệm vụ này"
        raise PermissionDeniedError(
            f"Tài khoản '{principal.username}' không có quyền {what}{where}."
        )


def allowed_unit(principal: Principal, action: Action, unit_id: int | None) -> bool:
    """Whether ``principal`` may do ``action`` for the unit ``unit_id`` of its own
    organization (the caller has checked the organization): a unit head for its unit only."""
    if principal.role not in MATRIX[action]:
        return False
    if principal.role == UserRole.UNIT_HEAD:
        return unit_id is not None and unit_id == principal.unit_id
    return True


def authorize_unit(principal: Principal, action: Action, unit_id: int | None) -> None:
    """Raise ``PermissionDeniedError`` (Vietnamese) unless ``allowed_unit``."""
    if not allowed_unit(principal, action, unit_id):
        raise PermissionDeniedError(
            f"Tài khoản '{principal.username}' không có quyền {ACTION_LABELS[action]} "
            "cho đơn vị này."
        )


def task_actions(principal: Principal, task: TaskScope) -> frozenset[Action]:
    """The task actions ``principal`` may do on ``task`` (which buttons a page shows)."""
    return frozenset(a for a in TASK_ACTIONS if allowed(principal, a, task))
