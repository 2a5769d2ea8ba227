"""Vietnamese phone numbers, one rule for the whole engine. Pure.

- ``national``: any phone number as digits in the national form ("+84 912.345.678" and
  "0912 345 678" are "0912345678"; a landline "028 3829 1234" is "02838291234"); what the
  directory stores.
- ``mobile``: a mobile number in the national form ("0987654321"): what Zalo can reach,
  as a person's preferences store it.
- ``zns``: a mobile number as Zalo's API wants it ("84987654321").

Each raises ``ValueError`` with a Vietnamese reason for anything else; "" stays "" for
``national`` and ``mobile``.
"""

from __future__ import annotations

import re

_JUNK = re.compile(r"[\s.\-()/]")
_NATIONAL = re.compile(r"0\d{9,10}")
# Vietnamese mobile prefixes (03x, 05x, 07x, 08x, 09x as assigned), after the leading 0.
_MOBILE = re.compile(r"0((?:3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7})")


def national(value: str | int) -> str:
    """``value`` as digits from "0"; a number written without its leading zero (as YAML
    reads 912345678) gets it back."""
    text = _JUNK.sub("", str(value))
    if not text:
        return ""
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) == 11:
        text = "0" + text[2:]
    elif text.isdigit() and len(text) == 9 and not text.startswith("0"):
        text = "0" + text
    if not _NATIONAL.fullmatch(text):
        raise ValueError(
            f'số điện thoại "{value}" không hợp lệ (10 hoặc 11 chữ số, ví dụ: 0912 345 678)'
        )
    return text


def mobile(value: str) -> str:
    """``value`` as a mobile number from "0" ("" stays "")."""
    try:
        text = national(value)
    except ValueError:
        text = "-"
    if text and not _MOBILE.fullmatch(text):
        raise ValueError(
            f"'{value.strip()}' không phải số di động Việt Nam (10 chữ số, ví dụ 0987 654 321, "
            "+84 987 654 321 hoặc 84987654321)"
        )
    return text


def zns(value: str) -> str:
    """``value`` as Zalo's API wants a phone: "84" and nine digits."""
    text = mobile(value) if value.strip() else ""
    if not text:
        raise ValueError("'' không phải số di động Việt Nam: chưa ghi số")
    return "84" + text[1:]
