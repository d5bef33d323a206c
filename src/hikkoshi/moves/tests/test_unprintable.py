"""The review page names the characters the printed documents cannot show (documents.fonts)."""

import html

from hikkoshi.moves.tests.test_pages import (
    APPLICANT,
    NEW,
    base_of,
    details_post,
    people_post,
    places_post,
    signed_in,  # noqa: F401 (a fixture)
    soon,
    start,
    text,
)


def _review(client, *, name, building):
    base = base_of(start(client))
    day = soon()
    assert (
        client.post(base + "places/", places_post(new={**NEW, "building": building}))["Location"]
        == base + "procedures/"
    )
    client.post(base + "procedures/", {"optional": []})
    client.post(base + "people/", people_post(applicant={**APPLICANT, "name": name}))
    client.post(base + "details/", details_post(day))
    return html.unescape(text(client.get(base + "review/")))


def test_a_character_no_font_has_is_named_with_its_field(signed_in, sapporo):
    signed_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    page = _review(signed_in, name="𠮷田 髙男\U0001f600", building="ﾒｿﾞﾝ･ﾄﾞ･ｻｯﾎﾟﾛ \U0001f3e0")
    assert "印刷する書類に表示できない文字" in page
    section = page[page.index("印刷する書類に表示できない文字") :]
    section = section[: section.index("</section>")]
    assert "届出人 — 氏名: 「\U0001f600」 (U+1F600)" in section  # the field, then the character
    assert "新住所 — 方書" in section and "「\U0001f3e0」 (U+1F3E0)" in section
    # 𠮷 and 髙 print (IPAmj, IPAex) and half-width kana become full-width: no warning.
    for fine in ("𠮷", "髙", "ﾒ", "ゾ"):
        assert f"「{fine}」" not in section


def test_no_warning_when_everything_prints(signed_in, sapporo):
    signed_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = _review(signed_in, name="𠮷田 髙男", building="ﾒｿﾞﾝ･ﾄﾞ･ｻｯﾎﾟﾛ 203")
    assert "Characters the printed forms cannot show" not in page
    assert "unprintable-heading" not in page


def test_the_head_of_household_name_is_checked_too(signed_in, sapporo):
    """A 世帯主 already living at the new address is printed on the 住民異動届: their name is
    checked like the movers'."""
    signed_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    base = base_of(start(signed_in))
    day = soon()
    signed_in.post(base + "places/", places_post())
    signed_in.post(base + "procedures/", {"optional": []})
    people = people_post(applicant={**APPLICANT, "relationship": "妻"})
    people.update({"household-head": "other", "household-head_name": "𠮷田 髙男\U0001f600"})
    assert signed_in.post(base + "people/", people)["Location"] == base + "details/"
    signed_in.post(base + "details/", details_post(day))
    page = html.unescape(text(signed_in.get(base + "review/")))
    section = page[page.index("印刷する書類に表示できない文字") :]
    section = section[: section.index("</section>")]
    assert "「\U0001f600」 (U+1F600)" in section and "世帯主" in section
    assert "「𠮷」" not in section


def test_the_review_says_the_household_goes_with_the_head_and_the_relationship_to_them(signed_in, sapporo):
    """What the 住民異動届 carries of the household, said as the form prints it: the 世帯主, and
    each mover's 続柄 to the 世帯主 and 性別 — not only "relationship"."""
    signed_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    page = _review(signed_in, name="札幌 太郎", building="")
    flows = page[page.index("送付されるデータと送付先") :]
    assert "世帯（新住所の世帯主と、一緒に引っ越す人の氏名・フリガナ・生年月日・世帯主との続柄・性別）" in flows
    assert flows.count("新住所の世帯主と") == 1  # only the 住民異動届 receives the household
