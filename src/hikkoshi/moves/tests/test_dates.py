"""Dates as 年 / 月 / 日 after the era (和暦 or 西暦), the Digital Agency design system's way,
with the typed forms (R8.1.15, 令和8年1月15日, 2026-01-15) still read."""

from datetime import date

import pytest

from hikkoshi.catalogue.schema import FieldError
from hikkoshi.catalogue.widgets import DatePartsWidget
from hikkoshi.japanese import InputError, date_parts, date_text, typed_date
from hikkoshi.moves.common import MOVE

from .conftest import moving_day
from .test_pages import (  # noqa: F401
    base_of,
    date_of,
    date_post,
    move_of,
    places_post,
    post_with_errors,
    signed_in,
    start,
    text,
    value_of,
)

MOVE_DATE = MOVE[0]


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"era": "R", "year": "8", "month": "1", "day": "15"}, date(2026, 1, 15)),
        ({"era": "", "year": "2026", "month": "1", "day": "15"}, date(2026, 1, 15)),  # 西暦
        ({"era": "H", "year": "元", "month": "1", "day": "8"}, date(1989, 1, 8)),
        ({"era": "S", "year": "６０", "month": "５", "day": "５"}, date(1985, 5, 5)),  # full-width digits
        ({"era": "R", "year": "R8.1.15", "month": "", "day": ""}, date(2026, 1, 15)),  # whole, in the year field
        ({"era": "", "year": "令和8年1月15日", "month": "", "day": ""}, date(2026, 1, 15)),
        ({"era": "H", "year": "2026-01-15", "month": "", "day": ""}, date(2026, 1, 15)),  # its own era wins
        ({"era": "", "year": "20260115", "month": "", "day": ""}, date(2026, 1, 15)),
    ],
)
def test_the_parts_make_a_date(parts, expected):
    assert MOVE_DATE.clean(parts) == expected


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"era": "R", "year": "8", "month": "1", "day": ""}, "Enter the day too."),
        ({"era": "R", "year": "8", "month": "", "day": ""}, "Enter the month and the day too."),
        ({"era": "R", "year": "", "month": "1", "day": "15"}, "Enter the year too."),
        ({"era": "", "year": "8", "month": "1", "day": "15"}, "Write the year in full"),  # 西暦 needs four digits
        ({"era": "R", "year": "1", "month": "4", "day": "30"}, ""),  # 令和 began on 5月1日
        ({"era": "X", "year": "8", "month": "1", "day": "15"}, "Choose an era from the list."),
        ({"era": "R", "year": "8", "month": "2", "day": "30"}, "There is no 令和8年2月30日"),
        ({"era": "R", "year": "8", "month": "1", "day": "15", "hour": "9"}, "Enter a date"),
    ],
)
def test_a_part_missing_or_wrong_is_named(parts, message, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(FieldError) as caught:
        MOVE_DATE.clean(parts)
    assert message in caught.value.message


def test_empty_parts_are_an_empty_date():
    assert date_text({"era": "R", "year": "", "month": "", "day": ""}) == ""
    with pytest.raises(FieldError):
        MOVE_DATE.clean({"era": "R", "year": " ", "month": "", "day": ""})  # required
    with pytest.raises(InputError):
        date_text(["2026", "1", "15"])


def test_a_date_shown_in_parts_and_as_typed():
    assert date_parts(date(2026, 1, 15)) == {"era": "R", "year": "8", "month": "1", "day": "15"}
    assert date_parts(date(1989, 1, 7)) == {"era": "S", "year": "64", "month": "1", "day": "7"}
    assert typed_date({"era": "R", "year": "8", "month": "", "day": "15"}) == "令和8年?月15日"
    assert typed_date({"era": "", "year": "R8.1.15", "month": "", "day": ""}) == "R8.1.15"


def test_the_widget_reads_its_parts_or_one_value():
    widget = DatePartsWidget()
    posted = {"d_era": "R", "d": "8", "d_month": "1", "d_day": "15"}
    assert widget.value_from_datadict(posted, {}, "d") == {"era": "R", "year": "8", "month": "1", "day": "15"}
    assert widget.value_from_datadict({"d": "2026-01-15"}, {}, "d") == "2026-01-15"  # an older page, as typed
    assert widget.value_omitted_from_data({}, {}, "d") and not widget.value_omitted_from_data(posted, {}, "d")
    html = widget.render("d", {"era": "H", "year": "2", "month": "4", "day": "1"}, {"id": "id_d"})
    assert '<option value="H" selected>平成</option>' in html
    for name, value in (("d", "2"), ("d_month", "4"), ("d_day", "1")):
        assert f'name="{name}"' in html and f'value="{value}"' in html
    assert html.count('inputmode="numeric"') == 3 and html.count("<label") == 4


def test_the_moving_day_in_parts_is_kept_as_typed_and_errors_name_the_field(signed_in, sapporo):
    base = base_of(start(signed_in))
    day = moving_day()
    data = places_post()
    del data["move-move_date"]
    data.update(date_post("move-move_date", "R", str(day.year - 2018), str(day.month), ""))
    page = text(post_with_errors(signed_in, base + "places/", data))
    # The summary names the field; the message names the part.
    assert 'href="#id_move-move_date">引越し日: 日も入力してください。' in page
    assert 'aria-describedby="id_move-move_date_error id_move-move_date_helptext"' in page  # the fieldset
    assert date_of(page, "move-move_date") == ("R", str(day.year - 2018), str(day.month), "")
    assert move_of(base).draft["places"]["move_date"] == {
        "era": "R",
        "year": str(day.year - 2018),
        "month": str(day.month),
        "day": "",
    }
    data.update(date_post("move-move_date", "", str(day.year), f"{day.month:02d}", str(day.day)))
    assert signed_in.post(base + "places/", data)["Location"] == base + "procedures/"
    assert move_of(base).draft["places"]["move_date"]["month"] == f"{day.month:02d}"  # exactly as typed

    # The review page shows the date as it will be stored.
    page = text(signed_in.get(base + "review/"))
    assert day.isoformat() in page


def test_a_whole_date_in_the_year_field_stays_there(signed_in, sapporo):
    base = base_of(start(signed_in))
    data = places_post(move_date="いつか")
    page = text(post_with_errors(signed_in, base + "places/", data))
    assert value_of(page, "move-move_date") == "いつか"  # kept in the year field, as typed
    assert 'class="date-year whole"' in page  # wide enough to show it


def test_the_eras_are_named_in_english_on_english_pages():
    from django.utils import translation

    with translation.override("en"):
        html = DatePartsWidget().render("d", None, {"id": "id_d"})
    assert '<option value="" selected>Western (西暦)</option>' in html
    assert '<option value="R">Reiwa (令和)</option>' in html and ">Year<" in html


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("2026-12-25", "2026-12-25"),
        ("R8.12.25", "R8.12.25"),
        ("令和8年12月25日", "令和8年12月25日"),
        ("20261225", "20261225"),
        ("２０２６－１２－２５", "２０２６－１２－２５"),
    ],
)
def test_a_whole_date_typed_over_a_prefilled_one_is_that_date(typed, expected):
    """A date pre-filled with the moving day (R / 8 / 12 / 22), then a whole date typed in the
    year field: the typed date, not 「R2026-12-25年12月22日」."""
    assert date_text({"era": "R", "year": typed, "month": "12", "day": "22"}) == expected
    assert date_text({"era": "R", "year": "8", "month": "12", "day": "22"}) == "R8年12月22日"  # parts as before
