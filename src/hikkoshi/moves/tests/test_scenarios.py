"""The three moves of issue 9 through the pages: what the mover sees about which procedures,
at which end, and whom to contact where this portal does not apply."""

import html
import re

from .test_pages import (
    AGREE,
    APPLICANT,
    base_of,
    details_post,
    move_of,
    people_post,
    places_post,
    signed_in,  # noqa: F401  (the fixture)
    soon,
    start,
    text,
)

TOKYO = {"postcode": "100-0001", "address": "東京都千代田区千代田1-1", "building": ""}
CHUO = {"postcode": "060-0042", "address": "札幌市中央区大通西3丁目", "building": "大通ハイツ 3F"}
OSAKA = {"postcode": "530-0001", "address": "大阪府大阪市北区梅田1丁目1", "building": ""}


def _through(client, old, new, procedures=None):
    base = base_of(start(client))
    assert client.post(base + "places/", places_post(old=old, new=new))["Location"] == base + "procedures/"
    page = text(client.get(base + "procedures/"))
    assert client.post(base + "procedures/", procedures or {})["Location"] == base + "people/"
    assert client.post(base + "people/", people_post())["Location"] == base + "details/"
    return base, page


def _section(page: str, css: str) -> str:
    found = re.search(rf'<section class="[^"]*{css}[^"]*".*?</section>', page, re.S)
    return found.group(0) if found else ""


def test_tokyo_to_sapporo_tells_whom_to_contact_in_tokyo(signed_in, sapporo):
    signed_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    base, page = _through(signed_in, TOKYO, CHUO)
    # Only starting in Sapporo is offered; nothing about stopping the Tokyo flat.
    assert "choice-sapporo-water-start" in page and "choice-sapporo-water-stop" not in page
    assert "choice-hokkaido-gas-stop" not in page
    contacts = _section(page, "utility-contacts")
    assert "東京都千代田区" in contacts and "To stop electricity, gas and water at your old address" in contacts
    assert "東京都水道局 お客さまセンター" in contacts and "03-5326-1100" in contacts  # from the directory
    assert "東京ガス株式会社" in contacts and "0570-002299" in contacts
    assert "東京電力エナジーパートナー" in contacts
    assert "sample data" in contacts  # not verified from the organisations' own sources
    # The 転出 from 千代田区 is Tokyo's: it can be made online all the same, or at Tokyo's counter.
    online = html.unescape(_section(page, "move-out-online"))
    assert "Mynaportal" in online and "the counter of 東京都千代田区" in online
    assert "print the filled-in" not in online

    day = soon()
    signed_in.post(
        base + "details/",
        {
            "proc-sapporo-water-start-start_date": day.isoformat(),
            "proc-hokkaido-gas-start-start_date": day.isoformat(),
            "proc-hepco-electricity-start-start_date": day.isoformat(),
        },
    )
    review = text(signed_in.get(base + "review/"))
    assert "error-summary" not in review
    assert "東京都水道局" in _section(review, "utility-contacts")
    assert signed_in.post(base + "submit/", AGREE)["Location"] == base
    result = text(signed_in.get(base))
    assert "東京都水道局" in _section(result, "utility-contacts") and "東京ガス株式会社" in result
    assert "中央区役所" in result and "本庁舎" not in result  # the 転入届 goes to the ward office


def test_an_end_missing_from_the_directory_is_said_to_be_missing(signed_in, sapporo):
    signed_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    naha = {"postcode": "900-0001", "address": "沖縄県那覇市港町1丁目", "building": ""}
    _base, page = _through(signed_in, naha, CHUO)
    contacts = _section(page, "utility-contacts")
    assert "沖縄県那覇市" in contacts
    assert html.unescape(contacts).count("Not in this portal's directory") == 3  # electricity, gas, water


def test_sapporo_to_osaka_asks_only_about_stopping_and_offers_the_online_move_out(signed_in, sapporo):
    signed_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    base, page = _through(signed_in, CHUO, OSAKA)
    # 北ガス only about stopping: nothing about the Osaka flat.
    assert "choice-hokkaido-gas-stop" in page and "hokkaido-gas-start" not in page
    assert "都市ガスの閉栓（旧住所）" in page and "都市ガスの開栓（新住所）" not in page
    # 転出届 online through マイナポータル, with the Digital Agency's link; the printed form stays.
    online = _section(page, "move-out-online")
    assert "マイナポータル" in online and "マイナンバーカード" in online and "引越しワンストップサービス" in online
    assert 'href="https://www.digital.go.jp/policies/moving_onestop_service/faq-01/"' in online
    assert "印刷" in online
    # Whom to contact in Osaka to start the utilities there.
    contacts = _section(page, "utility-contacts")
    assert "大阪ガス株式会社" in contacts and "関西電力株式会社" in contacts and "大阪市水道局" in contacts

    before = soon().isoformat()
    signed_in.post(
        base + "details/",
        {
            "proc-sapporo-water-stop-stop_date": before,
            "proc-hokkaido-gas-stop-stop_date": before,
            "proc-hepco-electricity-stop-stop_date": before,
        },
    )
    review = text(signed_in.get(base + "review/"))
    assert "error-summary" not in review and "マイナポータル" in _section(review, "move-out-online")
    assert signed_in.post(base + "submit/", AGREE)["Location"] == base
    move = move_of(base + "places/")
    office = move.procedures.get(version__procedure__slug="sapporo-move-out").office
    assert office["slug"] == "sapporo-chuo-ward"  # the origin ward's 戸籍住民課
    result = text(signed_in.get(base))
    assert "マイナポータル" in _section(result, "move-out-online")
    assert "札幌市中央区役所 (戸籍住民課)" in result and "本庁舎" not in result
    assert move.applicant["name"] == APPLICANT["name"]


def test_the_documents_name_the_ward_office(signed_in, sapporo):
    import subprocess

    base, _page = _through(
        signed_in, CHUO, {"postcode": "001-0024", "address": "札幌市北区北24条西6丁目1-1", "building": ""}
    )
    signed_in.post(base + "details/", details_post(soon()))
    assert signed_in.post(base + "submit/", AGREE)["Location"] == base
    for name in ("result.pdf", "form-sapporo-move-in.pdf"):
        pdf = signed_in.get(f"{base}documents/{name}").content
        words = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert "北区役所" in words and "本庁舎" not in words, name
    ics = signed_in.get(f"{base}documents/deadlines.ics").content.decode()
    assert "北区役所" in ics.replace("\r\n ", "") and "本庁舎" not in ics


def test_the_notices_outside_the_region_come_before_the_buttons(signed_in, sapporo):
    """Issue 12: on the procedures step the notices (the kind of move, the 転出 online, whom to contact
    where this portal does not apply) come before the step's buttons, not after them."""
    _base, page = _through(signed_in, TOKYO, CHUO)
    buttons = page.index('<div class="actions"')
    for css in ("move-kind", "move-out-online", "utility-contacts"):
        assert _section(page, css), css
        assert page.index(_section(page, css)) < buttons, css
