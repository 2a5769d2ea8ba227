"""Zalo ZNS (Zalo Notification Service): short template messages to a phone number.

A ``ZaloMessage`` names an approved ZNS template, the values of its parameters, the
recipient's phone number (normalized to "84…") and the ledger keys it delivers; its
``tracking_id`` (Zalo's field for the sender's own reference) is the ledger key, or the
message id when it covers several keys or the key is longer than ZNS allows.

``ZnsChannel`` sends one with ``POST {api_url}/message/template`` (header ``access_token``,
JSON body ``phone``, ``template_id``, ``template_data``, ``tracking_id``; the answer is
``{"error": 0, "message": "Success", "data": {"msg_id", "sent_time", "quota"}}``) and
turns Zalo's answer into a ``SendResult`` like the e-mail transports do: it never raises
for a delivery problem.

Tokens. An OA access token lasts about 25 hours; it is renewed with ``POST
{oauth_url}/v4/oa/access_token`` (header ``secret_key``, form ``refresh_token``,
``app_id``, ``grant_type=refresh_token``), which answers ``access_token``,
``refresh_token`` and ``expires_in`` (seconds). The refresh token can be used once: every
refresh returns a new one. So the pair lives in the ``zalo_token`` table
(``DatabaseTokenStore``; ``MemoryTokenStore`` is its twin), and a refresh holds the app's
row locked from reading the refresh token to saving the new pair (a no-op ``UPDATE``
first: a row lock on PostgreSQL, the write lock on SQLite), then saves only if the row
still holds the refresh token it used (compare-and-swap). A second process waiting on
the lock then finds a new access token and uses it instead of refreshing again. The
first pair comes from the settings when the table has none. A token within
``REFRESH_MARGIN`` of its expiry is refreshed before sending.

How Zalo's answers are handled (``SendResult``):

- sent — HTTP 200 with ``error`` 0;
- token refused — ``error`` -124 (ZNS "Access token invalid"), -216 (the OA API's
  "access token is invalid") or HTTP 401: refresh once through OAuth v4 and retry once;
  refused again → temporary, stops the run (every message would fail the same way);
- held for the next run (temporary) — -100 (unknown error: "try again later"), -115 (out
  of quota: the ZNS balance is spent), -144 (the OA's daily quota is spent), -147 (the
  template's daily quota is spent), -133 (this ZNS may not be sent at night), any other
  code whose message speaks of a quota or limit, HTTP 429 and 5xx, timeouts and network
  errors; those about the account, not the message (-100 excluded), stop the run;
- the app or OA misconfigured (temporary, stops the run, the detail says what to check)
  — -101 application invalid, -102 application not existed, -103 application not
  activated, -104 app secret key invalid, -105 application not linked to any OA;
- failed for good, reported to the standing office (permanent) — -108 phone number
  invalid, -109 template ID invalid, -110 Zalo version unsupported, -111 template data
  empty, -112 template data invalid, -114 user inactive or refusing, -116 text invalid,
  -117 OA or app without permission for this template, -118 Zalo account not existed
  (the number has no Zalo), -119 account cannot receive ZNS, -131 template not approved,
  -132 parameter invalid, -139 user refused this kind of ZNS, -141 user refused ZNS from
  this OA; any other error code (with Zalo's own message) and any other HTTP 4xx;
- the refresh token refused by OAuth v4 (e.g. -14020: already used or expired, or
  revoked) — permanent, and stops the run: the administrator must authorize the app on
  the OA again (README, "Zalo (ZNS)"); the rest of the run is held for the next one.

Where these codes come from: -100 to -112 as listed on Zalo's own page "Cách xử lý mã
lỗi" (https://zalo.cloud/zns/guidelines/handle-error-code), whose stored copy ends at
-112; the names of the later ones (out of quota, text invalid, no permission for the
template, Zalo account not existed, account cannot receive ZNS…) are listed in the same
order by a provider's copy of that table (https://helpdesk.getfly.vn, "Questions about
ZNS"), without numbers; -118 = "Zalo account not existed" is confirmed by integrations
seen in public code; -216, HTTP 401 and -14020 by a public Zalo OA integration reference
(citing developers.zalo.me community threads). The numbers -114 to -147 beyond those,
and the 48-character cap on ``tracking_id``, are from memory of the developers.zalo.me
table and API page and were not found in an authoritative copy: hence the fallbacks on
the message text (access token, quota, limit) and a permanent result quoting Zalo's
message for any code not listed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Protocol

import httpx
from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from engine.errors import Location, Problem, SauroError
from engine.store.models import ZaloToken
from notifications import phones
from notifications.channels import ZALO
from notifications.outgoing import message_id_for
from notifications.transport import SendResult, SendStatus

DEFAULT_API_URL = "https://business.openapi.zalo.me"
DEFAULT_OAUTH_URL = "https://oauth.zaloapp.com"
ZNS_PATH = "/message/template"
OAUTH_PATH = "/v4/oa/access_token"
TRACKING_ID_MAX = 48
REFRESH_MARGIN = timedelta(minutes=5)
# A first access token from the settings is assumed good for this long: Zalo says when
# it expires only when it hands one out, and a wrong guess costs one refused request.
INITIAL_LIFETIME = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------------- phone numbers


class PhoneNumberError(SauroError, ValueError):
    """A phone number Zalo cannot be sent to."""


def normalize_phone(text: str) -> str:
    """``text`` ("0987 654 321", "+84 987654321", "84987654321") as ZNS wants it:
    "84987654321". Raises ``PhoneNumberError`` (Vietnamese) for anything else."""
    try:
        return phones.zns(text)
    except ValueError as error:
        raise PhoneNumberError(
            f"Không gửi được tin Zalo: số điện thoại {error}.",
            [Problem(Location(field="phone"), str(error))],
        ) from None


# ------------------------------------------------------------------------------ messages


@dataclass(frozen=True)
class ZaloMessage:
    """One ZNS message: a template, its parameters, a phone number, the ledger keys.

    ``phone`` is normalized to "84…" (``PhoneNumberError`` if it cannot be);
    ``template_data`` maps each parameter of the approved template to its text;
    ``subject`` names the message in reports (default: the template). ``message_id`` is
    derived from ``ledger_keys`` as for e-mail and cannot be passed.
    """

    phone: str
    template_id: str
    template_data: Mapping[str, str]
    ledger_keys: tuple[str, ...]
    subject: str = ""
    message_id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "phone", normalize_phone(self.phone))
        object.__setattr__(self, "ledger_keys", tuple(dict.fromkeys(self.ledger_keys)))
        object.__setattr__(self, "template_data", dict(self.template_data))
        if not self.template_id.strip() or self.template_id != self.template_id.strip():
            raise ValueError(f"a ZNS template id cannot be blank or padded: {self.template_id!r}")
        if not self.ledger_keys:
            raise ValueError("a Zalo message needs at least one ledger key")
        bad = [k for k, v in self.template_data.items() if not k or not isinstance(v, str)]
        if bad:
            raise ValueError(f"template data needs named parameters with text values: {bad}")
        if not self.subject:
            object.__setattr__(self, "subject", f"tin Zalo mẫu {self.template_id}")
        object.__setattr__(self, "message_id", message_id_for(self.ledger_keys))

    @property
    def to(self) -> tuple[str, ...]:
        return (self.phone,)

    @property
    def tracking_id(self) -> str:
        """The ledger key when there is one that fits ZNS's limit, else the message id."""
        if len(self.ledger_keys) == 1 and len(self.ledger_keys[0]) <= TRACKING_ID_MAX:
            return self.ledger_keys[0]
        return self.message_id

    def payload(self) -> dict[str, Any]:
        """The JSON body of the ZNS request."""
        return {
            "phone": self.phone,
            "template_id": self.template_id,
            "template_data": dict(self.template_data),
            "tracking_id": self.tracking_id,
        }


# -------------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class ZaloTokens:
    """The OA's token pair and when the access token expires."""

    access_token: str
    refresh_token: str
    expires_at: datetime

    def expiring(self, now: datetime, margin: timedelta = REFRESH_MARGIN) -> bool:
        return not self.access_token or self.expires_at - margin <= now


def initial_tokens(
    access_token: str, refresh_token: str, *, now: datetime | None = None
) -> ZaloTokens | None:
    """The first pair from the settings (None without a refresh token). Without an access
    token the first send refreshes at once."""
    if not refresh_token:
        return None
    expires = (now or utc_now()) + INITIAL_LIFETIME if access_token else _EPOCH
    return ZaloTokens(access_token, refresh_token, expires)


class ZaloAuthError(SauroError):
    """Zalo's OAuth server did not renew the tokens. ``rejected``: it refused the refresh
    token or the app (a person must act); otherwise it could not be reached."""

    def __init__(self, message: str, *, rejected: bool) -> None:
        super().__init__(message)
        self.rejected = rejected


Renew = Callable[[str], ZaloTokens]  # refresh token → the new pair (raises ZaloAuthError)


class TokenStore(Protocol):
    """Where the OA's tokens are kept. Synchronous; the channel calls it from a thread."""

    def load(self) -> ZaloTokens | None:
        """The stored pair (the initial one stored first when there is none), or None."""
        ...

    def refresh(self, stale: str, renew: Renew, *, now: datetime, margin: timedelta) -> ZaloTokens:
        """A pair newer than access token ``stale``: the stored one when another worker has
        already replaced ``stale`` and it is not ``expiring``, else ``renew``\\ed, saved
        before anyone else can use the refresh token. One refresh at a time."""
        ...


def _renew(current: ZaloTokens, renew: Renew, initial: ZaloTokens | None) -> ZaloTokens:
    """Renew with the stored refresh token; if Zalo refuses it and the settings hold a
    different one (the administrator authorized the app again), renew with that."""
    try:
        return renew(current.refresh_token)
    except ZaloAuthError as error:
        if not error.rejected or initial is None:
            raise
        if initial.refresh_token == current.refresh_token:
            raise
        try:
            return renew(initial.refresh_token)
        except ZaloAuthError:
            raise error from None


def _should_renew(stored: ZaloTokens, stale: str, now: datetime, margin: timedelta) -> bool:
    return stored.access_token == stale or stored.expiring(now, margin)


class MemoryTokenStore:
    """The token store in memory, for tests and one-process use; same semantics."""

    def __init__(self, initial: ZaloTokens | None = None) -> None:
        self._initial = initial
        self._tokens = initial
        self._thread_lock = threading.Lock()
        self.renewals = 0  # how many refreshes went to Zalo

    def load(self) -> ZaloTokens | None:
        with self._thread_lock:
            return self._tokens

    def refresh(self, stale: str, renew: Renew, *, now: datetime, margin: timedelta) -> ZaloTokens:
        with self._thread_lock:
            current = self._tokens
            if current is None:
                raise ZaloAuthError(_NO_TOKENS, rejected=True)
            if not _should_renew(current, stale, now, margin):
                return current
            self._tokens = _renew(current, renew, self._initial)
            self.renewals += 1
            return self._tokens


_NO_TOKENS = (
    "chưa có mã truy cập Zalo: đặt SAURO_ZALO_REFRESH_TOKEN (và SAURO_ZALO_ACCESS_TOKEN) "
    "lấy được khi cấp quyền cho ứng dụng trên Official Account"
)


class DatabaseTokenStore:
    """The tokens of app ``app_id`` in the ``zalo_token`` table (SQLite or PostgreSQL).

    ``initial`` (from the settings) is inserted when the table has no row for the app.
    ``refresh`` runs in one transaction that first locks the row, so two processes never
    send the same single-use refresh token; the new pair is written only if the row still
    holds the refresh token that was used.
    """

    def __init__(self, engine: Engine, app_id: str, *, initial: ZaloTokens | None = None) -> None:
        if not app_id:
            raise ValueError("the Zalo token store needs the app id")
        self._engine = engine
        self.app_id = app_id
        self._initial = initial
        self._table = ZaloToken.__table__  # type: ignore[attr-defined]
        self._dialect = postgresql if engine.dialect.name == "postgresql" else sqlite

    def load(self) -> ZaloTokens | None:
        with self._engine.begin() as connection:
            stored = self._read(connection)
            if stored is None and self._initial is not None:
                self._insert_initial(connection)
                stored = self._read(connection)
        return stored

    def refresh(self, stale: str, renew: Renew, *, now: datetime, margin: timedelta) -> ZaloTokens:
        table = self._table
        with self._engine.begin() as connection:
            # Lock first: a row lock on PostgreSQL, the database's write lock on SQLite.
            connection.execute(
                update(table)
                .where(table.c.app_id == self.app_id)
                .values(updated_at=table.c.updated_at)
            )
            current = self._read(connection)
            if current is None:
                if self._initial is None:
                    raise ZaloAuthError(_NO_TOKENS, rejected=True)
                self._insert_initial(connection)
                current = self._initial
            if not _should_renew(current, stale, now, margin):
                return current  # another worker refreshed while this one waited
            fresh = _renew(current, renew, self._initial)
            saved = connection.execute(
                update(table)
                .where(
                    table.c.app_id == self.app_id,
                    table.c.refresh_token == current.refresh_token,
                )
                .values(
                    access_token=fresh.access_token,
                    refresh_token=fresh.refresh_token,
                    expires_at=fresh.expires_at,
                    updated_at=now,
                )
            )
            if saved.rowcount != 1:  # cannot happen under the lock; never save blindly
                raise ZaloAuthError(
                    "mã truy cập Zalo vừa được một tiến trình khác thay đổi", rejected=False
                )
        return fresh

    def _read(self, connection: Any) -> ZaloTokens | None:
        table = self._table
        row = connection.execute(select(table).where(table.c.app_id == self.app_id)).first()
        if row is None:
            return None
        return ZaloTokens(row.access_token, row.refresh_token, row.expires_at)

    def _insert_initial(self, connection: Any) -> None:
        initial = self._initial
        if initial is None:
            return
        connection.execute(
            self._dialect.insert(self._table)
            .values(
                app_id=self.app_id,
                access_token=initial.access_token,
                refresh_token=initial.refresh_token,
                expires_at=initial.expires_at,
                updated_at=utc_now(),
            )
            .on_conflict_do_nothing(index_elements=["app_id"])
        )


# ------------------------------------------------------------------------------- answers


class _Kind(Enum):
    TOKEN = "token"  # the access token was refused: refresh and retry once
    HOLD = "hold"  # temporary: the next run tries again
    ACCOUNT = "account"  # temporary, and every message would fail alike: stop the run
    PERMANENT = "permanent"  # this message cannot be sent: report it


_REAUTHORIZE = (
    "quản trị viên cần cấp quyền lại cho ứng dụng trên Official Account (OAuth v4) rồi đặt "
    "SAURO_ZALO_REFRESH_TOKEN và SAURO_ZALO_ACCESS_TOKEN mới (xem mục «Zalo (ZNS)» trong "
    "README); các tin còn lại được để lại cho lượt sau"
)
_CHECK_APP = (
    "kiểm tra SAURO_ZALO_APP_ID, SAURO_ZALO_SECRET_KEY và việc liên kết ứng dụng với "
    "Official Account trên developers.zalo.me"
)
_CHECK_TEMPLATE = "kiểm tra mẫu tin trong tệp cấu hình và trạng thái duyệt của mẫu trên Zalo"

# Zalo's error code → how it is handled and what the report says (see the docstring).
_CODES: dict[int, tuple[_Kind, str]] = {
    -124: (_Kind.TOKEN, "mã truy cập (access token) không hợp lệ hoặc đã hết hạn"),
    -216: (_Kind.TOKEN, "mã truy cập (access token) không hợp lệ hoặc đã hết hạn"),
    -100: (_Kind.HOLD, "Zalo gặp lỗi không xác định, sẽ thử lại ở lượt sau"),
    -147: (_Kind.HOLD, "mẫu tin đã hết hạn mức gửi trong ngày, sẽ gửi ở lượt sau"),
    -115: (_Kind.ACCOUNT, "tài khoản ZNS đã hết số dư: cần nạp thêm, tin được để lại"),
    -144: (_Kind.ACCOUNT, "Official Account đã hết hạn mức gửi ZNS trong ngày, sẽ gửi ở lượt sau"),
    -133: (_Kind.ACCOUNT, "mẫu tin này không được gửi vào ban đêm, sẽ gửi ở lượt sau"),
    -101: (_Kind.ACCOUNT, f"ứng dụng gửi ZNS không hợp lệ: {_CHECK_APP}"),
    -102: (_Kind.ACCOUNT, f"ứng dụng gửi ZNS không tồn tại: {_CHECK_APP}"),
    -103: (_Kind.ACCOUNT, f"ứng dụng gửi ZNS chưa được kích hoạt: {_CHECK_APP}"),
    -104: (_Kind.ACCOUNT, f"secret key của ứng dụng không hợp lệ: {_CHECK_APP}"),
    -105: (_Kind.ACCOUNT, f"ứng dụng chưa liên kết với Official Account nào: {_CHECK_APP}"),
    -108: (_Kind.PERMANENT, "số điện thoại không hợp lệ: kiểm tra số Zalo của người nhận"),
    -109: (_Kind.PERMANENT, f"mã mẫu tin ZNS không hợp lệ: {_CHECK_TEMPLATE}"),
    -110: (_Kind.PERMANENT, "người nhận dùng phiên bản Zalo quá cũ, cần cập nhật ứng dụng"),
    -111: (_Kind.PERMANENT, f"mẫu tin không có dữ liệu: {_CHECK_TEMPLATE}"),
    -112: (_Kind.PERMANENT, f"dữ liệu mẫu tin không đúng với mẫu đã duyệt: {_CHECK_TEMPLATE}"),
    -114: (
        _Kind.PERMANENT,
        "người nhận không nhận được ZNS (tài khoản không hoạt động, đã tắt nhận ZNS "
        "hoặc dùng Zalo cũ)",
    ),
    -116: (_Kind.PERMANENT, f"nội dung tin không hợp lệ: {_CHECK_TEMPLATE}"),
    -117: (_Kind.PERMANENT, f"ứng dụng hoặc OA không có quyền dùng mẫu tin này: {_CHECK_TEMPLATE}"),
    -118: (_Kind.PERMANENT, "số điện thoại chưa đăng ký Zalo hoặc tài khoản đã bị khóa"),
    -119: (_Kind.PERMANENT, "tài khoản Zalo của người nhận không nhận được ZNS"),
    -131: (_Kind.PERMANENT, f"mẫu tin ZNS chưa được Zalo duyệt: {_CHECK_TEMPLATE}"),
    -132: (_Kind.PERMANENT, f"tham số không hợp lệ: {_CHECK_TEMPLATE}"),
    -139: (_Kind.PERMANENT, "người nhận đã từ chối nhận loại tin ZNS này"),
    -141: (_Kind.PERMANENT, "người nhận đã từ chối nhận ZNS từ Official Account này"),
}


@dataclass(frozen=True)
class _Answer:
    kind: _Kind | None  # None: sent
    detail: str

    def result(self) -> SendResult:
        if self.kind is None:
            return SendResult.sent(self.detail, smtp_code=None)
        if self.kind is _Kind.PERMANENT:
            return SendResult.permanent(self.detail)
        return SendResult.temporary(self.detail, server_problem=self.kind is not _Kind.HOLD)


def classify(status_code: int, body: Any) -> _Answer:
    """What an HTTP answer of the ZNS API means (pure: the table in the docstring)."""
    if status_code == 401:
        return _Answer(_Kind.TOKEN, f"Zalo từ chối mã truy cập (HTTP {status_code})")
    if status_code == 429 or status_code >= 500:
        return _Answer(
            _Kind.ACCOUNT if status_code >= 500 else _Kind.HOLD,
            f"máy chủ Zalo tạm thời không nhận tin (HTTP {status_code}), sẽ thử lại",
        )
    if status_code != 200:
        return _Answer(_Kind.PERMANENT, f"Zalo từ chối yêu cầu (HTTP {status_code}): {body!r}")
    if not isinstance(body, dict) or not isinstance(body.get("error"), int):
        return _Answer(_Kind.HOLD, f"Zalo trả lời không đúng định dạng: {str(body)[:200]!r}")
    code: int = body["error"]
    if code == 0:
        return _Answer(None, _sent_detail(body.get("data")))
    said = str(body.get("message") or "")
    kind, text = _CODES.get(code, (_by_text(said), "Zalo từ chối tin"))
    return _Answer(kind, f"{text} (mã lỗi Zalo {code}: {said})")


def _by_text(said: str) -> _Kind:
    """An error code not in the table: judged by Zalo's message, else permanent."""
    lowered = said.lower()
    if "access token" in lowered or "access_token" in lowered:
        return _Kind.TOKEN
    if "quota" in lowered or "limit" in lowered:
        return _Kind.HOLD
    return _Kind.PERMANENT


def _sent_detail(data: Any) -> str:
    if not isinstance(data, dict):
        return "đã gửi qua Zalo"
    parts = [f"mã tin {data['msg_id']}"] if data.get("msg_id") else []
    quota = data.get("quota")
    if isinstance(quota, dict) and "remainingQuota" in quota:
        parts.append(f"còn {quota['remainingQuota']}/{quota.get('dailyQuota', '?')} tin trong ngày")
    return f"đã gửi qua Zalo ({'; '.join(parts)})" if parts else "đã gửi qua Zalo"


# ------------------------------------------------------------------------------- OAuth v4


def oauth_refresh(
    client: httpx.Client,
    *,
    oauth_url: str,
    app_id: str,
    secret_key: str,
    refresh_token: str,
    now: datetime,
) -> ZaloTokens:
    """Renew the pair with Zalo's OAuth v4 (synchronous: it runs while the store holds the
    row locked). Raises ``ZaloAuthError``: ``rejected`` when Zalo refuses."""
    url = oauth_url.rstrip("/") + OAUTH_PATH
    form = {"refresh_token": refresh_token, "app_id": app_id, "grant_type": "refresh_token"}
    try:
        response = client.post(url, data=form, headers={"secret_key": secret_key})
    except httpx.HTTPError as error:
        raise ZaloAuthError(
            f"không kết nối được máy chủ cấp quyền Zalo {url} để làm mới mã truy cập "
            f"({error!r}); tin được để lại cho lượt sau",
            rejected=False,
        ) from error
    if response.status_code >= 500 or response.status_code == 429:
        raise ZaloAuthError(
            f"máy chủ cấp quyền Zalo tạm thời lỗi (HTTP {response.status_code}); "
            "tin được để lại cho lượt sau",
            rejected=False,
        )
    return _tokens_from(response, now)


def _tokens_from(response: httpx.Response, now: datetime) -> ZaloTokens:
    try:
        body = response.json()
    except ValueError:
        body = None
    if (
        response.status_code == 200
        and isinstance(body, dict)
        and body.get("access_token")
        and body.get("refresh_token")
    ):
        seconds = int(str(body.get("expires_in") or 3600))
        return ZaloTokens(
            str(body["access_token"]), str(body["refresh_token"]), now + timedelta(seconds=seconds)
        )
    said = body if isinstance(body, dict) else response.text[:200]
    raise ZaloAuthError(
        f"Zalo không làm mới được mã truy cập: refresh token đã hết hạn, đã được dùng hoặc "
        f"bị thu hồi, hoặc ứng dụng không đúng (HTTP {response.status_code}: {said}); "
        f"{_REAUTHORIZE}",
        rejected=True,
    )


# ------------------------------------------------------------------------------- channel


class ZnsChannel:
    """Sends ``ZaloMessage``\\s through the ZNS API; a ``Channel`` named "zalo".

    ``send`` may be called concurrently: one HTTP client (its own connection pool), one
    refresh at a time in this process, and the store's lock across processes. The caller
    closes it (``aclose``).
    """

    name = ZALO

    def __init__(
        self,
        *,
        app_id: str,
        secret_key: str,
        store: TokenStore,
        api_url: str = DEFAULT_API_URL,
        oauth_url: str = DEFAULT_OAUTH_URL,
        timeout: float = 30.0,
        clock: Clock = utc_now,
        refresh_margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self.app_id = app_id
        self._secret_key = secret_key
        self._store = store
        self._url = api_url.rstrip("/") + ZNS_PATH
        self._oauth_url = oauth_url
        self._timeout = timeout
        self._clock = clock
        self._margin = refresh_margin
        self._client = httpx.AsyncClient(timeout=timeout)
        self._tokens: ZaloTokens | None = None
        self._refreshing = asyncio.Lock()

    async def send(self, message: ZaloMessage) -> SendResult:
        """Try once to send ``message`` (refreshing the access token at most once)."""
        got = await _guarded(self._access_token())
        if isinstance(got, SendResult):
            return got
        token, fresh = got
        answer = await self._post(message, token)
        if answer.kind is _Kind.TOKEN and not fresh:
            got = await _guarded(self._refresh(stale=token))
            if isinstance(got, SendResult):
                return got
            answer = await self._post(message, got[0])
        if answer.kind is _Kind.TOKEN:  # refused right after a refresh: do not loop
            return SendResult.temporary(
                f"Zalo vẫn từ chối mã truy cập vừa được làm mới ({answer.detail}): "
                f"{_CHECK_APP}; tin được để lại cho lượt sau",
                server_problem=True,
            )
        return answer.result()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _access_token(self) -> tuple[str, bool]:
        """The access token to use, and whether it was refreshed just now."""
        tokens = self._tokens
        if tokens is None:
            tokens = self._tokens = await asyncio.to_thread(self._store.load)
        if tokens is None:
            raise ZaloAuthError(_NO_TOKENS, rejected=True)
        if tokens.expiring(self._clock(), self._margin):
            return await self._refresh(stale=tokens.access_token)
        return tokens.access_token, False

    async def _refresh(self, *, stale: str) -> tuple[str, bool]:
        """An access token newer than ``stale`` (refreshed here, or by another task or
        process meanwhile), and True."""
        async with self._refreshing:
            current = self._tokens
            now = self._clock()
            if (
                current is not None
                and current.access_token != stale
                and not current.expiring(now, self._margin)
            ):
                return current.access_token, True  # another task of this process refreshed
            fresh = await asyncio.to_thread(self._store_refresh, stale, now)
            self._tokens = fresh
            return fresh.access_token, True

    def _store_refresh(self, stale: str, now: datetime) -> ZaloTokens:
        with httpx.Client(timeout=self._timeout) as client:

            def renew(refresh_token: str) -> ZaloTokens:
                return oauth_refresh(
                    client,
                    oauth_url=self._oauth_url,
                    app_id=self.app_id,
                    secret_key=self._secret_key,
                    refresh_token=refresh_token,
                    now=now,
                )

            return self._store.refresh(stale, renew, now=now, margin=self._margin)

    async def _post(self, message: ZaloMessage, token: str) -> _Answer:
        try:
            response = await self._client.post(
                self._url, json=message.payload(), headers={"access_token": token}
            )
        except httpx.ConnectError as error:
            return _Answer(_Kind.ACCOUNT, f"không kết nối được Zalo {self._url} ({error!r})")
        except httpx.TimeoutException:
            return _Answer(_Kind.HOLD, f"quá {self._timeout:g} giây mà Zalo chưa trả lời")
        except httpx.HTTPError as error:
            return _Answer(_Kind.HOLD, f"lỗi khi gửi tin tới Zalo ({error!r})")
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text[:200]
        return classify(response.status_code, body)


async def _guarded(
    getting: Coroutine[Any, Any, tuple[str, bool]],
) -> tuple[str, bool] | SendResult:
    """The access token ``getting`` gives, or the result of a send that could not get one."""
    try:
        return await getting
    except ZaloAuthError as error:
        return _auth_failure(error)
    except SQLAlchemyError as error:
        return _store_failure(error)


def _auth_failure(error: ZaloAuthError) -> SendResult:
    """A refused refresh is permanent for this message (the standing office is told to
    have the OA authorized again) and stops the run; an unreachable OAuth server holds."""
    if error.rejected:
        return SendResult(SendStatus.PERMANENT, error.message, None, server_problem=True)
    return SendResult.temporary(error.message, server_problem=True)


def _store_failure(error: SQLAlchemyError) -> SendResult:
    return SendResult.temporary(
        f"không đọc hoặc ghi được mã truy cập Zalo trong cơ sở dữ liệu ({error!r})",
        server_problem=True,
    )
