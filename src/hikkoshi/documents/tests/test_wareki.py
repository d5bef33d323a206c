from datetime import date

import pytest

from hikkoshi.documents.wareki import both, era_of, wareki


@pytest.mark.parametrize("day, text", [
    (date(2025, 4, 1), "令和7年4月1日"),
    (date(2019, 5, 1), "令和元年5月1日"),
    (date(2019, 4, 30), "平成31年4月30日"),
    (date(1989, 1, 8), "平成元年1月8日"),
    (date(1989, 1, 7), "昭和64年1月7日"),
    (date(1926, 12, 25), "昭和元年12月25日"),
    (date(1926, 12, 24), "大正15年12月24日"),
    (date(1912, 7, 30), "大正元年7月30日"),
    (date(1912, 7, 29), "明治45年7月29日"),
])
def test_wareki(day, text):
    assert wareki(day) == text


def test_before_meiji_falls_back_to_the_gregorian_year():
    assert era_of(date(1850, 1, 1)) is None
    assert wareki(date(1850, 1, 1)) == "1850年1月1日"


def test_both():
    assert both(date(2025, 4, 1)) == "令和7年4月1日 (2025年)"
    assert both(None) == ""
