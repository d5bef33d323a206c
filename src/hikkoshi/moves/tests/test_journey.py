"""The steps forgive: every error at once, the step bar keeps what was typed, one draft for a
double click on 「始める」, deadlines warned where the date is typed."""

from datetime import timedelta
import re

from hikkoshi.moves.models import Move

from .test_pages import (  # noqa: F401
    NEW,
    OLD,
    base_of,
    details_post,
    move_of,
    people_post,
    places_post,
    post_with_errors,
    signed_in,
    soon,
    start,
    text,
    through_people,
    value_of,
)


def test_a_postcode_of_another_city_is_reported_with_the_other_errors(signed_in, sapporo):
    base = base_of(start(signed_in))
    old = dict(OLD, address="札幌市北区北24条西6丁目")  # 060-0042 is in 中央区
    new = dict(NEW, postcode="001-00")  # and the other end's postal code is short
    page = text(post_with_errors(signed_in, base + "places/", places_post(old=old, new=new, move_date="someday")))
    for anchor in ("#id_from-address", "#id_to-postcode", "#id_move-move_date"):
        assert f'href="{anchor}"' in page, anchor
    assert re.search(r'<p class="error" id="id_from-address_error">[^<]*060-0042', page)


def test_the_details_step_checks_dates_around_the_moving_day_at_once(signed_in, sapporo):
    base = through_people(signed_in)
    data = details_post(soon())
    data["proc-sapporo-water-stop-stop_date"] = (soon() - timedelta(days=60)).isoformat()  # the window is 30 days
    data["proc-hepco-electricity-stop-billing_number"] = "12"
    page = text(post_with_errors(signed_in, base + "details/", data))
    assert 'href="#id_proc-sapporo-water-stop-stop_date"' in page  # not only on the review page
    assert 'href="#id_proc-hepco-electricity-stop-billing_number"' in page
    assert value_of(page, "proc-sapporo-water-stop-stop_date") == data["proc-sapporo-water-stop-stop_date"]


def test_starting_twice_with_the_same_page_makes_one_draft(signed_in, sapporo, mover):
    page = text(signed_in.get("/moves/"))
    token = re.search(r'name="start_token" value="([^"]+)"', page).group(1)
    first = signed_in.post("/moves/start/", {"start_token": token})["Location"]
    second = signed_in.post("/moves/start/", {"start_token": token})["Location"]
    assert first == second and Move.objects.filter(owner=mover).count() == 1
    # Continued where it stands, not restarted.
    signed_in.post(first, places_post())
    assert signed_in.post("/moves/start/", {"start_token": token})["Location"] == base_of(first) + "procedures/"
    # A new visit of the page is a new move.
    again = re.search(r'name="start_token" value="([^"]+)"', text(signed_in.get("/moves/"))).group(1)
    assert again != token
    assert signed_in.post("/moves/start/", {"start_token": again})["Location"] != first
    assert Move.objects.filter(owner=mover).count() == 2


def test_the_step_bar_and_back_keep_what_was_typed(signed_in, sapporo):
    base = through_people(signed_in)
    page = text(signed_in.get(base + "people/"))
    # Every other step is a button of the page's form (no JavaScript needed); the current one a link.
    for step in ("places", "procedures", "details", "review"):
        assert f'form="step-form" name="goto" value="{step}"' in page, step
    assert 'id="step-form"' in page and 'form="step-form" name="back"' in page
    typed = {"applicant-name": "札幌 次郎", "applicant-phone": "12345", "household-head": "applicant"}
    response = signed_in.post(base + "people/", dict(typed, goto="places"))
    assert response["Location"] == base + "places/"
    people = move_of(base).draft["people"]
    assert people["applicant"]["name"] == "札幌 次郎" and people["applicant"]["phone"] == "12345"
    page = text(signed_in.get(base + "people/"))
    assert value_of(page, "applicant-phone") == "12345"  # kept as typed, even invalid

    page = text(signed_in.get(base + "places/"))
    data = places_post(move_date="someday")
    assert signed_in.post(base + "places/", dict(data, goto="review"))["Location"] == base + "review/"
    assert move_of(base).draft["places"]["move_date"] == "someday"
    # "Back" of the first page: kept, then the list of moves.
    assert signed_in.post(base + "places/", dict(data, back="1"))["Location"] == "/moves/"


def test_the_review_page_ignores_a_step_bar_post(signed_in, sapporo):
    base = through_people(signed_in)
    signed_in.post(base + "details/", details_post(soon()))
    response = signed_in.post(base + "review/", {"goto": "places"})  # no agreement: nothing submitted
    assert move_of(base).status == "draft" and response["Location"].endswith("review/?errors=1")


def test_a_passed_deadline_is_warned_where_the_dates_are_chosen(signed_in, sapporo):
    day = soon(2)  # the water wants three days' notice: already too late
    base = base_of(start(signed_in))
    signed_in.post(base + "places/", places_post(move_date=day.isoformat()))
    page = text(signed_in.get(base + "procedures/"))
    warnings = re.search(r'<section class="warnings".*?</section>', page, re.S)
    assert warnings and "水道" in warnings.group(0)
    signed_in.post(base + "procedures/", {})
    signed_in.post(base + "people/", people_post())
    page = text(signed_in.get(base + "details/"))
    warnings = re.search(r'<section class="warnings".*?</section>', page, re.S).group(0)
    assert 'href="#proc-sapporo-water-start"' in warnings

    # A date typed on the details step that is already past is warned about beside the others.
    data = details_post(day)
    data["proc-hokkaido-gas-stop-stop_date"] = (soon(0) - timedelta(days=1)).isoformat()
    signed_in.post(base + "details/", data)
    page = text(signed_in.get(base + "details/"))
    warnings = re.search(r'<section class="warnings".*?</section>', page, re.S).group(0)
    assert 'href="#id_proc-hokkaido-gas-stop-stop_date"' in warnings
    assert 'href="#id_proc-hokkaido-gas-start-start_date"' not in warnings  # the moving day is not past


def test_no_warning_when_there_is_time(signed_in, sapporo):
    base = through_people(signed_in)
    assert 'class="warnings"' not in text(signed_in.get(base + "details/"))
    assert 'class="warnings"' not in text(signed_in.get(base + "procedures/"))
