"""The move wizard's pages, through Django's test client."""

from datetime import timedelta
import html
import re

from django.test import Client
from django.utils import timezone
import pytest

from hikkoshi.moves.foreign import without_foreign
from hikkoshi.moves.models import Move, MoveProcedure

# The 中央区 → 北区 move of ``conftest.sapporo_relocation``, as typed into the pages.
OLD = {"postcode": "060-0042", "address": "札幌市中央区大通西3丁目", "building": ""}
NEW = {"postcode": "001-0024", "address": "札幌市北区北24条西6丁目1-1", "building": "ハイツ北 201"}
APPLICANT = {
    "name": "札幌 太郎",
    "name_kana": "さっぽろ たろう",
    "birth_date": "S60.5.5",
    "phone": "090-1234-5678",
    "email": "taro@example.jp",
}
MEMBER = {"name": "札幌 花子", "name_kana": "ｻｯﾎﾟﾛ ﾊﾅｺ", "birth_date": "1988-07-07", "relationship": "妻"}
AGREE = {"consent": "1"}  # the box "I agree to which data goes where" of the review page


def wareki(day) -> str:
    """A date of the 令和 era as people write it (令和8年12月26日)."""
    return f"令和{day.year - 2018}年{day.month}月{day.day}日"


def soon(days=30):
    return timezone.localdate() + timedelta(days=days)


def places_post(old=OLD, new=NEW, move_date=None) -> dict:
    data = {f"from-{k}": v for k, v in old.items()}
    data.update({f"to-{k}": v for k, v in new.items()})
    data["move-move_date"] = move_date if move_date is not None else wareki(soon())
    return data


def people_post(applicant=APPLICANT, members=(MEMBER,), extra_blank=True) -> dict:
    data = {f"applicant-{k}": v for k, v in applicant.items()}
    for i, member in enumerate(members):
        data.update({f"member-{i}-{k}": v for k, v in member.items()})
    if extra_blank:
        data.update({f"member-{len(members)}-{k}": "" for k in MEMBER})
    return data


def details_post(move_date) -> dict:
    day, before = move_date.isoformat(), (move_date - timedelta(days=1)).isoformat()
    return {  # (the 転入届 has no own fields)
        "proc-sapporo-water-stop-customer_number": "",
        "proc-sapporo-water-stop-stop_date": before,
        "proc-sapporo-water-start-start_date": day,
        "proc-sapporo-water-start-payment_method": "bank",
        "proc-hokkaido-gas-stop-stop_date": before,
        "proc-hokkaido-gas-start-start_date": day,
        "proc-hokkaido-gas-start-visit_slot": "am",
        "proc-hepco-electricity-stop-stop_date": before,
        "proc-hepco-electricity-start-start_date": day,
        "proc-hepco-electricity-stop-billing_number": "1234 5678 9012",
        "proc-hokkaido-shimbun-subscription-start_date": day,
    }


def value_of(page: str, name: str) -> str:
    """The value an input of the page shows (``""`` when it has none)."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no input {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def date_of(page: str, name: str) -> tuple[str, str, str, str]:
    """What a date's 年 / 月 / 日 fields show: (era chosen, year, month, day)."""
    select = re.search(rf'<select[^>]*\bname="{re.escape(name)}_era".*?</select>', page, re.S)
    assert select, f"no era of {name}"
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return (
        chosen.group(1) if chosen else "",
        value_of(page, name),
        value_of(page, f"{name}_month"),
        value_of(page, f"{name}_day"),
    )


def date_post(name: str, era: str, year: str, month: str, day: str) -> dict:
    """A date typed into its 年 / 月 / 日 fields."""
    return {f"{name}_era": era, name: year, f"{name}_month": month, f"{name}_day": day}


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def signed_in(client, mover):
    client.force_login(mover)
    return client


def start(client) -> str:
    """A new draft move; the URL of its first page."""
    response = client.post("/moves/start/")
    assert response.status_code == 302
    return response["Location"]


def base_of(url: str) -> str:
    return url.rsplit("/", 2)[0] + "/"  # /moves/<uuid>/


def move_of(url: str) -> Move:
    return Move.objects.get(public_id=url.split("/")[2])


def procedures_post(apply=("hokkaido-shimbun-subscription",), **answers) -> dict:
    """The procedures step: "apply here" for ``apply`` (the others keep their defaults: the
    utilities pre-selected, the rest not needed), other answers by slug."""
    data = {f"choice-{slug}": "apply" for slug in apply}
    data.update({f"choice-{slug.replace('_', '-')}": answer for slug, answer in answers.items()})
    return data


def through_people(client, *, move_date=None, optional=("hokkaido-shimbun-subscription",)) -> str:
    base = base_of(start(client))
    assert client.post(base + "places/", places_post(move_date=move_date))["Location"] == base + "procedures/"
    assert client.post(base + "procedures/", procedures_post(optional))["Location"] == base + "people/"
    assert client.post(base + "people/", people_post())["Location"] == base + "details/"
    return base


# -- the whole wizard -------------------------------------------------------------------------


def test_the_whole_wizard_from_chuo_to_kita(signed_in, sapporo, mover):
    client = signed_in
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.get("/moves/").status_code == 200
    first = start(client)
    base = base_of(first)
    assert first == base + "places/"
    page = text(client.get(first))
    assert 'aria-current="step"' in page and 'name="from-postcode"' in page and 'name="move-move_date"' in page

    move_day = soon()
    response = client.post(base + "places/", places_post(move_date=wareki(move_day)))
    assert response.status_code == 302 and response["Location"] == base + "procedures/"

    page = text(client.get(base + "procedures/"))
    # The kind of move, explained: two wards of Sapporo make a 転居, not 転出 + 転入.
    assert "転居" in page and "not a 転出" in page
    assert "札幌市中央区" in page and "札幌市北区" in page
    assert "Move-in / in-city move notification" in page and "Move-out notification" not in page
    assert 'name="choice-sapporo-move-in"' not in page  # required: listed as included, no choice
    # The choices first (issue 12), then what the law requires, marked as included, then the kind of move.
    assert page.index('name="choice-') < page.index("Required by law") < page.index("What kind of move this is")
    assert page.index("Required by law") < page.index("Move-in / in-city move notification")
    assert page.index("Move-in / in-city move notification") < page.index('class="included"')
    # Every other procedure offered with the mover's choice, the utilities pre-selected.
    for slug in (
        "sapporo-water-stop",
        "sapporo-water-start",
        "hokkaido-gas-stop",
        "hokkaido-gas-start",
        "hepco-electricity-stop",
        "hepco-electricity-start",
    ):
        assert f'name="choice-{slug}" value="apply" id="choice-{slug}-apply" checked' in page
    for slug in ("hokkaido-shimbun-subscription", "sapporo-property-tax"):
        assert f'name="choice-{slug}" value="not_needed" id="choice-{slug}-not_needed" checked' in page
    for answer in ("Apply here", "Already arranged", "With another company", "Not needed"):
        assert answer in page
    for label in ("Web", "Counter", "Fax", "E-mail"):  # the channels in English
        assert f"How it is sent</dt><dd>{label}</dd>" in page
    assert "北海道新聞" in page  # organisations are named

    response = client.post(
        base + "procedures/",
        procedures_post(
            ["hokkaido-shimbun-subscription"], hokkaido_gas_stop="arranged", sapporo_property_tax="not_needed"
        ),
    )
    assert response["Location"] == base + "people/"  # the steps in the order the list shows
    response = client.post(base + "people/", people_post())
    assert response["Location"] == base + "details/"

    page = text(client.get(base + "details/"))
    legends = re.findall(r"<legend>([^<]*)</legend>", page)
    assert len(legends) == 7 and any("北海道新聞" in legend for legend in legends)
    assert any("北区役所" in legend for legend in legends)  # the 転居届's office, not the city hall
    # Those that ask for something first (issue 12: the first field on a phone's first screen), the
    # 転居届 with nothing more to ask last.
    assert "北区役所" in legends[-1] and "北区役所" not in legends[0]
    assert not any("本庁舎" in legend for legend in legends)
    assert "proc-sapporo-property-tax" not in page  # not chosen
    assert "proc-hokkaido-gas-stop" not in page  # already arranged
    assert 'name="proc-sapporo-water-stop-stop_date"' in page and 'name="proc-sapporo-water-start-start_date"' in page
    response = client.post(base + "details/", details_post(move_day))
    assert response["Location"] == base + "review/"

    page = text(client.get(base + "review/"))
    assert "error-summary" not in page
    assert "サッポロ\u3000タロウ" in page  # shown as it will be stored
    for step in ("places", "procedures", "people", "details"):
        assert f'href="{base}{step}/"' in page
    assert f'action="{base}submit/"' in page

    response = client.post(base + "submit/", AGREE)
    assert response.status_code == 302 and response["Location"] == base
    move = Move.objects.get(public_id=base.split("/")[2])
    assert move.owner == mover and move.status == "submitted" and move.draft == {}
    assert move.kinds == ["relocation"] and move.move_date == move_day
    assert move.applicant["name_kana"] == "サッポロ\u3000タロウ" and move.applicant["birth_date"] == "1985-05-05"
    assert move.members[0]["name_kana"] == "サッポロ\u3000ハナコ"
    assert move.new_address["full_address"] == "北海道札幌市北区北24条西6丁目1-1"
    slugs = set(MoveProcedure.objects.filter(move=move).values_list("version__procedure__slug", flat=True))
    assert slugs == {
        "sapporo-move-in",
        "sapporo-water-stop",
        "sapporo-water-start",
        "hokkaido-gas-start",
        "hepco-electricity-stop",
        "hepco-electricity-start",
        "hokkaido-shimbun-subscription",
    }
    # Every answer kept for the statistics (no personal data).
    assert move.procedure_choices == {
        "sapporo-move-in": "apply",
        "sapporo-water-stop": "apply",
        "sapporo-water-start": "apply",
        "hokkaido-shimbun-subscription": "apply",
        "hokkaido-gas-stop": "arranged",
        "hokkaido-gas-start": "apply",
        "hepco-electricity-stop": "apply",
        "hepco-electricity-start": "apply",
        "sapporo-property-tax": "not_needed",
    }

    page = text(client.get(base))
    assert "Application result" in page
    assert "北区役所" in page  # the window procedure's office, with its address and hours
    assert "本庁舎" not in page
    assert "You need to file this at the counter" in page and "Waiting to be sent" in page
    for label in ("Web", "Counter", "Fax"):
        assert f"How it is sent</dt><dd>{label}</dd>" in page
    assert "What to bring" in page
    # Submitted moves are no longer edited: every step goes to the result.
    for step in ("places", "procedures", "people", "details", "review"):
        assert client.get(f"{base}{step}/")["Location"] == base
    listing = text(client.get("/moves/"))
    assert base in listing


def test_the_result_links_to_the_documents(signed_in, sapporo):
    base = through_people(signed_in)
    signed_in.post(base + "details/", details_post(soon()))
    signed_in.post(base + "submit/", AGREE)
    page = text(signed_in.get(base))
    links = re.findall(rf'href="({re.escape(base)}documents/[^"]+)"', page)
    assert links
    response = signed_in.get(html.unescape(links[0]))
    assert response.status_code == 200 and response["Content-Type"]
    assert signed_in.get(base + "documents/no-such-document.pdf").status_code == 404


# -- who may see what -------------------------------------------------------------------------

STEPS = ("places", "procedures", "people", "details", "review")


def test_signing_in_is_required(client, db):
    response = client.get("/moves/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert client.post("/moves/start/")["Location"].startswith("/accounts/login/")
    assert Move.objects.count() == 0
    fake = "/moves/7d4d0a4e-4f2a-4a57-9a55-2b0b6d3f6a11/"
    for step in STEPS:
        assert client.get(f"{fake}{step}/")["Location"].startswith("/accounts/login/")
    assert client.post(fake + "submit/")["Location"].startswith("/accounts/login/")


def test_another_users_move_is_not_found_on_every_step(signed_in, sapporo, django_user_model):
    base = through_people(signed_in)
    other = Client()
    other.force_login(django_user_model.objects.create_user("other@example.jp", "other@example.jp", "pw"))
    for step in STEPS:
        assert other.get(f"{base}{step}/").status_code == 404
        assert other.post(f"{base}{step}/", places_post()).status_code == 404
    assert other.get(base).status_code == 404
    assert other.post(base + "submit/").status_code == 404
    assert other.get(base + "documents/guide.pdf").status_code == 404
    move = move_of(base + "places/")
    assert move.status == "draft" and move.draft["places"]["from"]["postcode"] == OLD["postcode"]


# -- nothing typed is lost --------------------------------------------------------------------


def post_with_errors(client, url, data=None):
    """POST a step with errors: POST/redirect/GET to the step, which shows them."""
    response = client.post(url, data or {})
    assert response.status_code == 302 and response["Location"].endswith("?errors=1"), response
    return client.get(response["Location"])


def test_a_validation_error_keeps_every_typed_value(signed_in, sapporo):
    base = base_of(start(signed_in))
    typed = places_post(
        old={"postcode": "06O-0042", "address": "札幌市中央区大通西3丁目", "building": "テスト荘"}, move_date="someday"
    )
    response = post_with_errors(signed_in, base + "places/", typed)
    page = text(response)
    assert re.search(r"<title>(エラー|Error): ", page)
    assert " autofocus" in page  # the error summary takes the focus right after the POST
    assert 'role="alert"' in page and 'href="#id_from-postcode"' in page and 'href="#id_move-move_date"' in page
    for name, value in typed.items():
        assert value_of(page, name) == value, name
    assert (
        'aria-describedby="id_from-postcode_error id_from-postcode_helptext"' in page
        or 'aria-describedby="id_from-postcode_helptext id_from-postcode_error"' in page
    )
    assert 'aria-invalid="true"' in page
    draft = move_of(base + "places/").draft["places"]
    assert draft["from"] == {"postcode": "06O-0042", "address": "札幌市中央区大通西3丁目", "building": "テスト荘"}
    assert draft["move_date"] == "someday"

    # Leaving and coming back: the page shows what was typed, and still says what is wrong.
    page = text(signed_in.get(base + "places/"))
    for name, value in typed.items():
        assert value_of(page, name) == value, name
    assert 'id="id_from-postcode_error"' in page


def test_people_errors_keep_applicant_and_member_values(signed_in, sapporo):
    base = through_people(signed_in)
    applicant = dict(APPLICANT, phone="12345")
    member = dict(MEMBER, birth_date="令和1年4月1日")
    typed = people_post(applicant=applicant, members=(member,))
    response = post_with_errors(signed_in, base + "people/", typed)
    page = text(response)
    for name, value in typed.items():
        assert value_of(page, name) == value, name
    assert 'id="id_applicant-phone_error"' in page and 'id="id_member-0-birth_date_error"' in page
    draft = move_of(base + "places/").draft["people"]
    # As typed, with the fields left empty (性別, 続柄) kept empty; nobody answered as a foreign resident.
    assert without_foreign(draft["applicant"]) == dict(applicant, sex="", relationship="")
    assert [without_foreign(m) for m in draft["members"]] == [dict(member, sex="")]
    assert draft["applicant"]["foreign_resident"] is False and draft["members"][0]["foreign_resident"] is False


def test_details_errors_keep_values(signed_in, sapporo):
    base = through_people(signed_in)
    typed = dict(
        details_post(soon()),
        **{"proc-sapporo-water-start-start_date": "not a date", "proc-hepco-electricity-stop-billing_number": "12"},
    )
    page = text(post_with_errors(signed_in, base + "details/", typed))
    for name, value in typed.items():
        if "payment_method" in name or "visit_slot" in name:
            continue  # selects, checked below
        assert value_of(page, name) == value, name
    assert re.search(r'<option value="am" selected>', page)
    assert 'id="id_proc-sapporo-water-start-start_date_error"' in page
    assert move_of(base + "places/").draft["details"]["values"]["sapporo-water-start"]["start_date"] == "not a date"


def test_leaving_and_coming_back_shows_the_values(signed_in, sapporo):
    base = through_people(signed_in)
    page = text(signed_in.get(base + "places/"))
    for name, value in places_post().items():
        if name != "move-move_date":
            assert value_of(page, name) == value
    page = text(signed_in.get(base + "people/"))
    for name, value in people_post().items():
        assert value_of(page, name) == value, name
    assert "error-summary" not in page
    page = text(signed_in.get(base + "procedures/"))
    assert re.search(r'id="choice-hokkaido-shimbun-subscription-apply" checked', page)
    assert re.search(r'id="choice-sapporo-property-tax-not_needed" checked', page)
    listing = text(signed_in.get("/moves/"))
    assert f'href="{base}details/"' in listing  # continue where the mover left off


def test_kana_in_hiragana_is_stored_as_katakana_and_wareki_is_accepted(signed_in, sapporo):
    base = through_people(signed_in, move_date="R" + f"{soon().year - 2018}.{soon().month}.{soon().day}")
    signed_in.post(base + "details/", details_post(soon()))
    assert signed_in.post(base + "submit/", AGREE)["Location"] == base
    move = move_of(base + "places/")
    assert move.applicant["name_kana"] == "サッポロ\u3000タロウ"
    assert move.applicant["birth_date"] == "1985-05-05"  # S60.5.5
    assert move.move_date == soon()


def test_a_postcode_that_does_not_match_the_city_is_shown_next_to_the_address(signed_in, sapporo):
    base = base_of(start(signed_in))
    old = dict(OLD, address="札幌市北区北24条西6丁目")  # 060-0042 is in 中央区
    page = text(post_with_errors(signed_in, base + "places/", places_post(old=old)))
    error = re.search(r'<p class="error" id="id_from-address_error">([^<]*)</p>', page)
    assert error and "060-0042" in error.group(1)
    assert re.search(r'<input[^>]*name="from-address"[^>]*aria-describedby="[^"]*id_from-address_error', page)
    assert 'href="#id_from-address"' in page


def test_add_and_remove_member_buttons(signed_in, sapporo):
    base = through_people(signed_in)
    second = dict(MEMBER, name="札幌 次郎", name_kana="さっぽろ じろう", relationship="子")
    # The second person typed into the empty row, then "add another person".
    data = people_post(members=(MEMBER, second), extra_blank=False)
    response = signed_in.post(base + "people/", dict(data, add_member="1"))
    assert response.status_code == 302 and response["Location"] == base + "people/#member-2"
    page = text(signed_in.get(base + "people/"))
    assert value_of(page, "member-1-name") == "札幌 次郎"
    assert 'name="member-2-name"' in page and 'name="member-3-name"' not in page  # one more empty row
    assert "error-summary" not in page  # adding a row is not a check

    # Add again without typing: one more empty row.
    data = people_post(members=(MEMBER, second), extra_blank=True)
    signed_in.post(base + "people/", dict(data, add_member="1"))
    page = text(signed_in.get(base + "people/"))
    assert 'name="member-3-name"' in page and 'name="member-4-name"' not in page

    # Remove the first person: the second moves up, nothing else is lost.
    response = signed_in.post(base + "people/", dict(data, remove_member="0"))
    assert response.status_code == 302
    draft = move_of(base + "places/").draft["people"]
    assert [m["name"] for m in draft["members"]] == ["札幌 次郎"]
    assert draft["applicant"]["name"] == APPLICANT["name"]
    page = text(signed_in.get(base + "people/"))
    assert value_of(page, "member-0-name") == "札幌 次郎" and value_of(page, "member-1-name") == ""
    assert 'name="remove_member" value="0"' in page and 'name="remove_member" value="1"' not in page


def test_empty_member_rows_are_ignored(signed_in, sapporo):
    base = through_people(signed_in)
    data = people_post(members=())
    data.update({f"member-1-{k}": "" for k in MEMBER})
    assert signed_in.post(base + "people/", data)["Location"] == base + "details/"
    assert move_of(base + "places/").draft["people"]["members"] == []


def test_the_review_page_warns_about_a_past_deadline(signed_in, sapporo):
    signed_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    past = timezone.localdate() - timedelta(days=60)
    base = through_people(signed_in, move_date=past.isoformat())
    signed_in.post(base + "details/", details_post(past))
    page = text(signed_in.get(base + "review/"))
    assert "Deadlines already passed" in page
    water_end = (past - timedelta(days=3)).isoformat()
    assert f"ended on {water_end}" in page
    warnings = page[page.index('id="warnings-heading"') : page.index("</section>", page.index('id="warnings-heading"'))]
    # The 転居届's warning names its office (the 北区 ward office), not the city hall.
    assert "contact 札幌市北区役所 (戸籍住民課)" in warnings and "本庁舎" not in warnings
    # The same warning as move_submit's, and the move is still accepted.
    response = signed_in.post(base + "submit/", AGREE)
    assert response["Location"] == base
    result = text(signed_in.get(base))
    assert f"ended on {water_end}" in result and "本庁舎" not in result


def _flows(page: str) -> dict[str, str]:
    """The review page's "which data goes where", per organisation (its heading → its part)."""
    start = page.index('id="review-flows"')
    part = page[start : page.index("</section>", start)]
    chunks = re.split(r"<h3>([^<]*)</h3>", part)[1:]
    return {html.unescape(name): html.unescape(body) for name, body in zip(chunks[::2], chunks[1::2])}


def test_the_review_page_says_which_data_goes_where_and_needs_the_agreement(signed_in, sapporo, mover):
    signed_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    base = through_people(signed_in)
    signed_in.post(base + "details/", details_post(soon()))
    page = text(signed_in.get(base + "review/"))
    flows = _flows(page)
    # Per organisation: the procedures, their channel, exactly the data each receives, their own fields.
    newspaper = next(part for name, part in flows.items() if "北海道新聞" in name)
    assert "The applicant's name and its kana" in newspaper and "The new address" in newspaper
    assert "date of birth" not in newspaper and "household members" not in newspaper  # not for a newspaper
    assert "The old address" not in newspaper and "e-mail" not in newspaper
    electricity = next(part for name, part in flows.items() if "北海道電力" in name)
    assert "Billing number (12 digits)" in electricity  # a procedure's own field, under its organisation
    assert "date of birth" not in electricity
    ward = next(part for name, part in flows.items() if "北区役所" in name)
    assert "Nothing is sent" in ward and "date of birth" in ward  # the window procedure's printed form
    assert "e-mail" not in ward  # not on the 住民異動届
    assert not any("本庁舎" in name for name in flows)
    # Consent per organisation: a box for each one something is sent to, ticked; none for the office.
    assert 'name="share" value="hokkaido-shimbun" id="share-hokkaido-shimbun" checked' in page
    assert 'value="sapporo-kita-ward"' not in page
    assert 'name="consent" value="1" id="id_consent"' in page and "error-summary" not in page

    # Without the box: nothing is submitted; the error is at the box, and the summary links to it.
    response = post_with_errors(signed_in, base + "submit/")
    page = text(response)
    assert move_of(base + "places/").status == "draft"
    assert 'id="id_consent_error"' in page and 'href="#id_consent"' in page and 'aria-invalid="true"' in page
    assert " autofocus" in page
    draft = move_of(base + "places/").draft
    assert draft["people"]["applicant"]["name"] == APPLICANT["name"]  # nothing typed is lost

    # With it: submitted, and the agreement stored with the move.
    assert signed_in.post(base + "submit/", AGREE)["Location"] == base
    move = move_of(base + "places/")
    assert move.status == "submitted" and move.consent_by == mover and move.consent_at == move.submitted_at
    assert move.consent_version == "data-sharing/2026-12-per-organisation"


def test_an_organisation_left_unticked_gets_nothing_and_the_rest_is_sent(signed_in, sapporo):
    base = through_people(signed_in)
    signed_in.post(base + "details/", details_post(soon()))
    page = text(signed_in.get(base + "review/"))
    offered = re.findall(r'name="organisations" value="([^"]+)"', page)
    assert set(offered) == {"sapporo-waterworks", "hokkaido-shimbun", "hokkaido-gas", "hepco"}
    # Everything ticked but the newspaper.
    posted = {"consent": "1", "organisations": offered, "share": [o for o in offered if o != "hokkaido-shimbun"]}
    assert signed_in.post(base + "submit/", posted)["Location"] == base
    move = move_of(base + "places/")
    slugs = set(move.procedures.values_list("version__procedure__slug", flat=True))
    assert "hokkaido-shimbun-subscription" not in slugs  # not sent
    assert {"sapporo-move-in", "hokkaido-gas-start", "sapporo-water-stop"} <= slugs  # the rest is
    assert move.procedure_choices["hokkaido-shimbun-subscription"] == "withheld"  # and recorded
    from hikkoshi.delivery.models import Delivery

    assert not Delivery.objects.filter(entry__move=move, entry__version__procedure__slug__startswith="hokkaido-shimbun")
    # The result says what was not applied for, and why.
    shown = html.unescape(text(signed_in.get(base)))
    part = shown[shown.index('id="not-applied-heading"') :]
    assert "北海道新聞の購読申込み: 送信しない（情報の提供に同意なし）" in part
    assert "固定資産税 納税義務者の住所変更: 不要" in part


def test_an_unticked_organisation_is_remembered_when_the_submission_has_errors(signed_in, sapporo):
    base = through_people(signed_in)
    signed_in.post(base + "details/", details_post(soon()))
    post_with_errors(signed_in, base + "submit/", {"organisations": ["hepco", "hokkaido-gas"], "share": ["hepco"]})
    page = text(signed_in.get(base + "review/"))
    assert 'id="share-hokkaido-gas">' in page.replace(" checked", "") and 'id="share-hokkaido-gas" checked' not in page
    assert 'id="share-hepco" checked' in page


def test_review_errors_are_grouped_by_step_with_links(signed_in, sapporo_without_defaults):
    # (A catalogue whose dates have no default: the shipped one pre-fills them with the moving day.)
    base = through_people(signed_in)
    response = post_with_errors(signed_in, base + "submit/")  # the details page was never filled in
    page = text(response)
    assert 'role="alert"' in page and re.search(r"<title>(エラー|Error): ", page)
    assert f'href="{base}details/#id_proc-sapporo-water-start-start_date"' in page
    assert move_of(base + "places/").status == "draft"
    # The details page now shows what is missing.
    page = text(signed_in.get(base + "details/"))
    assert 'id="id_proc-sapporo-water-start-start_date_error"' in page


def test_submitting_twice_does_not_create_a_second_move(signed_in, sapporo):
    base = through_people(signed_in)
    signed_in.post(base + "details/", details_post(soon()))
    assert signed_in.post(base + "submit/", AGREE)["Location"] == base
    entries = MoveProcedure.objects.count()
    assert signed_in.post(base + "submit/", AGREE)["Location"] == base
    assert signed_in.post(base + "review/", AGREE)["Location"] == base
    assert Move.objects.count() == 1 and MoveProcedure.objects.count() == entries


def test_csrf_is_enforced_on_the_wizard(sapporo, mover):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mover)
    assert client.post("/moves/start/").status_code == 403
    assert Move.objects.count() == 0
    move = Move.objects.create(owner=mover)
    base = f"/moves/{move.public_id}/"
    for step in ("places", "procedures", "people", "details"):
        assert client.post(f"{base}{step}/", places_post()).status_code == 403
    assert client.post(base + "submit/").status_code == 403
    move.refresh_from_db()
    assert move.draft == {} and move.status == "draft"
    # With the token of the page, the same POST goes through.
    page = text(client.get(base + "places/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(base + "places/", dict(places_post(), csrfmiddlewaretoken=token))
    assert response.status_code == 302


# -- deleting a move (signing up and in: hikkoshi.accounts.tests) ----------------------------


def test_a_draft_is_deleted_after_a_confirmation(signed_in, sapporo):
    base = through_people(signed_in)
    move = move_of(base + "places/")
    assert f'href="{base}delete/"' in text(signed_in.get("/moves/"))
    page = signed_in.get(base + "delete/")
    assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in text(page)
    assert Move.objects.filter(pk=move.pk).exists()  # showing the page deletes nothing
    response = signed_in.post(base + "delete/")
    assert response.status_code == 302 and response["Location"] == "/moves/"
    assert not Move.objects.filter(pk=move.pk).exists()
    assert signed_in.get(base + "places/").status_code == 404


def test_a_submitted_move_is_deleted_with_its_procedures(signed_in, sapporo):
    base = through_people(signed_in)
    signed_in.post(base + "details/", details_post(soon()))
    signed_in.post(base + "submit/", AGREE)
    move = move_of(base + "places/")
    assert MoveProcedure.objects.filter(move=move).exists()
    assert f'href="{base}delete/"' in text(signed_in.get(base))  # on the result page
    assert signed_in.post(base + "delete/").status_code == 302
    assert not Move.objects.filter(pk=move.pk).exists()
    assert not MoveProcedure.objects.filter(move_id=move.pk).exists()


def test_another_persons_move_cannot_be_deleted(signed_in, sapporo, django_user_model):
    base = through_people(signed_in)
    other = Client()
    other.force_login(django_user_model.objects.create_user("other@example.jp", "other@example.jp", "pw"))
    assert other.get(base + "delete/").status_code == 404
    assert other.post(base + "delete/").status_code == 404
    assert Move.objects.count() == 1


def test_moving_out_of_sapporo_is_explained_as_a_move_out(signed_in, sapporo):
    signed_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    base = base_of(start(signed_in))
    tokyo = {"postcode": "100-0001", "address": "東京都千代田区千代田1-1", "building": ""}
    assert signed_in.post(base + "places/", places_post(new=tokyo))["Location"] == base + "procedures/"
    page = text(signed_in.get(base + "procedures/"))
    assert "this is a 転出" in page and "千代田区" in page
    assert "Move-out notification" in page and "Move-in / in-city move notification" not in page
    signed_in.post(base + "procedures/", {})
    page = text(signed_in.get(base + "details/"))
    assert 'name="proc-sapporo-water-stop-stop_date"' in page
    assert "proc-sapporo-water-start" not in page  # only stopping: the new home is not Sapporo's


def test_later_steps_wait_for_valid_places(signed_in, sapporo):
    base = base_of(start(signed_in))
    assert signed_in.get(base + "procedures/")["Location"] == base + "places/"
    assert signed_in.get(base + "details/")["Location"] == base + "places/"
    page = text(signed_in.get(base + "review/"))
    assert f'href="{base}places/#id_from-postcode"' in page  # what is missing, with links
    assert f'href="{base}people/#id_applicant-name"' in page


def submitted_with_spooled_fax(owner, settings, tmp_path):
    """A submitted move of ``owner`` whose newspaper application goes by fax through a spool
    folder (``tmp_path``), with its image and metadata in the folder as the gateway leaves them
    (made by hand: no worker runs here) — also those of a withdrawal faxed after it, under the
    notice's own key —, and another delivery's files beside them. Returns the move and the names
    of its files."""
    from hikkoshi.catalogue.models import Procedure
    from hikkoshi.delivery.channels.fax import spool_name
    from hikkoshi.delivery.models import Delivery, Notice
    from hikkoshi.moves.services import move_submit

    from .conftest import moving_day, sapporo_relocation

    settings.HIKKOSHI_FAX = {**settings.HIKKOSHI_FAX, "gateway": "spool", "spool_dir": str(tmp_path)}
    paper = Procedure.objects.get(slug="hokkaido-shimbun-subscription")
    paper.channel_settings = {"fax_number": "011-210-5555"}
    paper.save()
    payload = sapporo_relocation()
    payload["procedures"] = payload["procedures"] + [
        {"id": "hokkaido-shimbun-subscription", "fields": {"start_date": moving_day().isoformat()}}
    ]
    move = move_submit(owner=owner, payload=payload)
    fax = Delivery.objects.get(entry__move=move, channel="fax")
    notice = Notice.objects.create(
        delivery=fax, kind=Notice.Kind.WITHDRAWAL, request_key="w" * 20, status=Notice.Status.DELIVERED
    )
    name, notice_name = spool_name(str(fax.idempotency_key)), spool_name(str(notice.idempotency_key))
    files = [f"{name}.tif", f"{name}.json", f"{notice_name}.tif", f"{notice_name}.json"]
    for file in files + ["someone-elses.tif", "someone-elses.json"]:
        (tmp_path / file).write_bytes(b"II*\x00" if file.endswith(".tif") else b"{}\n")
    return move, files


def test_deleting_a_move_removes_its_fax_images_from_the_spool_folder(
    signed_in, mover, sapporo, settings, tmp_path, django_capture_on_commit_callbacks
):
    move, _files = submitted_with_spooled_fax(mover, settings, tmp_path)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = signed_in.post(f"/moves/{move.public_id}/delete/")
    assert response.status_code == 302 and not Move.objects.filter(pk=move.pk).exists()
    assert callbacks  # removed once the deletion is committed, not before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["someone-elses.json", "someone-elses.tif"]


def test_the_spooled_fax_images_stay_while_the_deletion_is_not_committed(
    signed_in, mover, sapporo, settings, tmp_path, django_capture_on_commit_callbacks
):
    move, files = submitted_with_spooled_fax(mover, settings, tmp_path)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        signed_in.post(f"/moves/{move.public_id}/delete/")
    assert set(files) <= {p.name for p in tmp_path.iterdir()}  # not before the commit…
    for callback in callbacks:
        callback()
    assert not set(files) & {p.name for p in tmp_path.iterdir()}  # …but after it


def test_a_failed_save_of_the_people_step_adds_no_empty_row(signed_in, sapporo):
    """Issue 12: the mover fills the one empty row and the save fails (a wrong phone number): the page
    comes back with that person and no empty 「2 人目」 the mover did not add; a row they added
    and left empty is still there."""
    base = through_people(signed_in)
    typed = people_post(applicant=dict(APPLICANT, phone="12345"), members=(MEMBER,), extra_blank=False)
    page = text(post_with_errors(signed_in, base + "people/", typed))
    assert value_of(page, "member-0-name") == MEMBER["name"]
    assert 'name="member-1-name"' not in page
    page = text(signed_in.get(base + "people/"))
    assert 'name="member-0-name"' in page and 'name="member-1-name"' not in page
    assert 'name="add_member"' in page  # another person can still be added

    with_blank = people_post(applicant=dict(APPLICANT, phone="12345"), members=(MEMBER,), extra_blank=True)
    page = text(post_with_errors(signed_in, base + "people/", with_blank))
    assert 'name="member-1-name"' in page and 'name="member-2-name"' not in page
