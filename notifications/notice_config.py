"""The schema of ``config/notices.yaml``: how event notices reach people. Pure.

Each person chooses on their account page; what they leave to the organization comes from
here: the channel (``email``, ``zalo`` or ``both``) and when an e-mail goes out
(``immediate``: one mail per notice; ``digest``: folded into the next daily digest as
"Việc mới của bạn"). Urgent notices go out at once whatever the choice: the kinds listed
in ``urgent.kinds``, and an extension request when the task's deadline is at most
``urgent.extension_within`` working days away. ``zalo.templates`` are the ids of the ZNS
templates Zalo approved, per message kind.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rules.config_text import ConfigVersion, validate


class NoticeKind(StrEnum):
    ASSIGNED = "assigned"  # a task given to your unit (you head it)
    DELEGATED = "delegated"  # a task given to you
    REASSIGNED = "reassigned"  # a task of yours given to someone else
    EXTENSION_REQUESTED = "extension_requested"  # to the task's authority
    EXTENSION_DECIDED = "extension_decided"  # to the requester and the unit head
    AWAITING_ACCEPTANCE = "awaiting_acceptance"  # a result for you to accept or return
    RESULT_RETURNED = "result_returned"  # your result was returned, with the reason
    RESULT_ACCEPTED = "result_accepted"  # your result was accepted
    COORDINATION = "coordination"  # a coordinating unit's note on a task your unit leads
    FORM_REQUESTED = "form_requested"  # your unit's period report form
    REPORT_SUBMITTED = "report_submitted"  # a period report awaiting your approval
    REPORT_DECIDED = "report_decided"  # the report you submitted approved or returned
    REPORT_ISSUED = "report_issued"  # the report numbered and issued
    REPORT_SENT = "report_sent"  # the report sent upward


NOTICE_LABELS: dict[NoticeKind, str] = {
    NoticeKind.ASSIGNED: "Nhiệm vụ mới giao cho đơn vị",
    NoticeKind.DELEGATED: "Nhiệm vụ giao cho bạn",
    NoticeKind.REASSIGNED: "Nhiệm vụ đã giao cho người khác",
    NoticeKind.EXTENSION_REQUESTED: "Đề nghị gia hạn chờ quyết định",
    NoticeKind.EXTENSION_DECIDED: "Quyết định về đề nghị gia hạn",
    NoticeKind.AWAITING_ACCEPTANCE: "Kết quả chờ xác nhận",
    NoticeKind.RESULT_RETURNED: "Kết quả bị trả lại",
    NoticeKind.RESULT_ACCEPTED: "Kết quả đã được xác nhận",
    NoticeKind.COORDINATION: "Ý kiến của đơn vị phối hợp",
    NoticeKind.FORM_REQUESTED: "Mẫu báo cáo kỳ của đơn vị",
    NoticeKind.REPORT_SUBMITTED: "Báo cáo kỳ chờ duyệt",
    NoticeKind.REPORT_DECIDED: "Ý kiến về báo cáo kỳ trình ký",
    NoticeKind.REPORT_ISSUED: "Báo cáo kỳ đã ban hành",
    NoticeKind.REPORT_SENT: "Báo cáo kỳ đã gửi cấp trên",
}


class Channel(StrEnum):
    EMAIL = "email"
    ZALO = "zalo"
    BOTH = "both"


class EmailMode(StrEnum):
    IMMEDIATE = "immediate"  # one mail per notice, at once
    DIGEST = "digest"  # folded into the next daily digest


TemplateId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{0,64}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Preferences(_Model):
    """How notices reach people who left the choice to their organization."""

    channel: Channel = Channel.EMAIL
    email: EmailMode = EmailMode.DIGEST


class Override(_Model):
    """One organization's defaults; what it leaves out comes from ``defaults``."""

    channel: Channel | None = None
    email: EmailMode | None = None


class Urgent(_Model):
    """Notices sent at once whatever the person chose."""

    kinds: tuple[NoticeKind, ...] = (NoticeKind.RESULT_RETURNED,)
    extension_within: int = Field(default=3, ge=0, le=60)


class ZaloTemplates(_Model):
    """Approved ZNS template ids: the daily summary and a single notice."""

    digest: TemplateId = ""
    notice: TemplateId = ""


class Zalo(_Model):
    templates: ZaloTemplates = ZaloTemplates()


class NoticesConfig(_Model):
    """The whole ``config/notices.yaml``."""

    version: ConfigVersion
    defaults: Preferences = Preferences()
    organizations: dict[Slug, Override] = {}
    urgent: Urgent = Urgent()
    zalo: Zalo = Zalo()

    def preferences(self, org: str, *, channel: str = "", email: str = "") -> Preferences:
        """What applies to a person of ``org`` who chose ``channel`` and ``email`` ("" = the
        organization's default)."""
        override = self.organizations.get(org, Override())
        return Preferences(
            channel=Channel(channel) if channel else override.channel or self.defaults.channel,
            email=EmailMode(email) if email else override.email or self.defaults.email,
        )


def parse_notices(text: str, source: str) -> NoticesConfig:
    """Validate the text of a notices.yaml; raise ``ConfigError`` listing every problem."""
    return validate(NoticesConfig, text, source)
