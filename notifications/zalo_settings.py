"""How Zalo ZNS messages leave the program: the Official Account's app and its tokens.

Read once from the environment at the entry point (CLI, flow) and passed down:

- ``SAURO_ZALO_ENABLED`` — send by Zalo at all (default false: e-mail only).
- ``SAURO_ZALO_APP_ID`` — the app's ID on developers.zalo.me (the app linked to the OA).
- ``SAURO_ZALO_SECRET_KEY`` — the app's secret key (the ``secret_key`` header of OAuth v4).
- ``SAURO_ZALO_ACCESS_TOKEN`` / ``SAURO_ZALO_REFRESH_TOKEN`` — the first OA tokens, from
  the OA's authorization of the app. Used only while the ``zalo_token`` table has none for
  the app: every refresh returns a new pair (the old refresh token stops working), which
  is kept in the database. After a new authorization, put the new pair here: when the
  stored refresh token is refused, a different one here is tried.
- ``SAURO_ZALO_API_URL`` — the ZNS API (default https://business.openapi.zalo.me).
- ``SAURO_ZALO_OAUTH_URL`` — Zalo's OAuth server (default https://oauth.zaloapp.com).
- ``SAURO_ZALO_TIMEOUT`` — seconds per HTTP request (default 30).

Template ids per kind of message live in the configuration files, not here.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine

from notifications.zalo import (
    DEFAULT_API_URL,
    DEFAULT_OAUTH_URL,
    DatabaseTokenStore,
    ZnsChannel,
    initial_tokens,
)


class ZaloSettings(BaseSettings):
    """Zalo ZNS settings from ``SAURO_ZALO_*`` variables (see the module docstring)."""

    model_config = SettingsConfigDict(env_prefix="SAURO_ZALO_", extra="ignore")

    enabled: bool = False
    app_id: str = ""
    secret_key: SecretStr = SecretStr("")
    access_token: SecretStr = SecretStr("")
    refresh_token: SecretStr = SecretStr("")
    api_url: str = DEFAULT_API_URL
    oauth_url: str = DEFAULT_OAUTH_URL
    timeout: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> Self:
        if not self.enabled:
            return self
        missing = [
            f"SAURO_ZALO_{name.upper()}"
            for name, value in (
                ("app_id", self.app_id),
                ("secret_key", self.secret_key.get_secret_value()),
                ("refresh_token", self.refresh_token.get_secret_value()),
            )
            if not value.strip()
        ]
        if missing:
            raise ValueError(
                f"SAURO_ZALO_ENABLED: cần đặt {', '.join(missing)} để gửi tin qua Zalo "
                "(xem mục «Zalo (ZNS)» trong README)"
            )
        return self


def make_zalo_channel(settings: ZaloSettings, engine: Engine) -> ZnsChannel:
    """The ZNS channel the settings describe, its tokens kept in ``engine``'s
    ``zalo_token`` table (seeded from the settings' tokens when it has none). The caller
    closes it (``await channel.aclose()``)."""
    initial = initial_tokens(
        settings.access_token.get_secret_value(), settings.refresh_token.get_secret_value()
    )
    store = DatabaseTokenStore(engine, settings.app_id, initial=initial)
    return ZnsChannel(
        app_id=settings.app_id,
        secret_key=settings.secret_key.get_secret_value(),
        store=store,
        api_url=settings.api_url,
        oauth_url=settings.oauth_url,
        timeout=settings.timeout,
    )
