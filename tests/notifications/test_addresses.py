"""Email addresses: normalised, validated offline, each refusal explained in Vietnamese."""

from __future__ import annotations

import re

import pytest

from notifications.addresses import (
    EmailProblem,
    check_email,
    is_valid_email,
    normalize_email,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hattt@kientuong.example.vn", "hattt@kientuong.example.vn"),
        ("  hattt@KienTuong.Example.VN \n", "hattt@kientuong.example.vn"),
        ("Tran.Thi.Ha@UBND.gov.vn", "Tran.Thi.Ha@ubnd.gov.vn"),  # local part kept as written
        ("vp+cchc@xuanduong.gov.vn", "vp+cchc@xuanduong.gov.vn"),
        ("a_b-c@sub-domain.tinh.gov.vn", "a_b-c@sub-domain.tinh.gov.vn"),
        ("o'brien@example.vn", "o'brien@example.vn"),
        ("vanthu@ủybannhândân.vn", "vanthu@xn--ybannhndn-g2ac4233g.vn"),
        ("vanthu@xn--ybannhndn-g2ac4233g.vn", "vanthu@xn--ybannhndn-g2ac4233g.vn"),
    ],
)
def test_valid_addresses_are_normalised(raw: str, expected: str) -> None:
    check = check_email(raw)
    assert check.ok
    assert check.address == expected
    assert normalize_email(raw) == expected
    assert is_valid_email(raw)


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n"])
def test_missing_addresses(raw: str | None) -> None:
    check = check_email(raw)
    assert not check.ok
    assert check.problem is EmailProblem.MISSING
    with pytest.raises(ValueError, match="chưa có địa chỉ thư điện tử"):
        normalize_email(raw or "")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc@", "thiếu tên miền sau dấu '@'"),
        ("@xuanduong.gov.vn", "thiếu phần tên trước dấu '@'"),
        ("nguyenvana.gov.vn", "thiếu dấu '@'"),
        ("a@b@c.vn", "có nhiều hơn một dấu '@'"),
        ("nguyen van a@x.vn", "có dấu cách"),
        ("nguyenvana@gmail", "thiếu phần đuôi"),
        ("a@x..vn", "hai dấu chấm liền nhau"),
        ("a@.x.vn", "dấu chấm ở đầu"),
        ("a@x.vn.", "dấu chấm ở đầu, cuối"),
        ("a@-x.vn", "không hợp lệ"),
        ("a@x_y.vn", "không hợp lệ"),
        ("a@x.v", "phần đuôi của tên miền"),
        ("a@x.123", "phần đuôi của tên miền"),
        ("a@192.168.1.10", "địa chỉ IP"),
        ("a@[127.0.0.1]", "địa chỉ IP"),
        (".a@x.vn", "dấu chấm ở đầu, cuối, liền nhau"),
        ("a..b@x.vn", "dấu chấm ở đầu, cuối, liền nhau"),
        ('"a b"@x.vn', "có dấu cách"),
        ("a(b)@x.vn", "ký tự không hợp lệ"),
        ("nguyễn@x.vn", "chữ có dấu"),
        ("x" * 65 + "@x.vn", "dài quá 64 ký tự"),
        ("a@" + "b" * 64 + ".vn", "không hợp lệ"),
        ("a@" + ".".join(["b" * 60] * 5) + ".vn", "dài quá"),
    ],
)
def test_invalid_addresses_say_why(raw: str, reason: str) -> None:
    check = check_email(raw)
    assert not check.ok
    assert check.problem is EmailProblem.INVALID
    assert reason in check.reason
    assert check.raw == raw
    with pytest.raises(ValueError, match=re.escape(check.reason)):
        normalize_email(raw)
    assert not is_valid_email(raw)
