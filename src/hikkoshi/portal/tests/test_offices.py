"""The city and ward offices page at nationwide size: a page at a time, with a search."""

from django.test import override_settings

from hikkoshi.conftest import make_organisation
from hikkoshi.directory.constants import Category
from hikkoshi.places.municipalities import all_municipalities

NATIONWIDE = {"nation": {"name": "Japan", "areas": [f"{n:02d}" for n in range(1, 48)]}}


def _many_offices(n):
    municipalities = [m for m in all_municipalities() if m.code][:n]
    for i, m in enumerate(municipalities):
        make_organisation(f"office-{i:04d}", Category.CITY_OFFICE, f"{m.name}役所", [m.code])
    return municipalities


@override_settings(HIKKOSHI_REGIONS=NATIONWIDE, HIKKOSHI_REGION="nation")
def test_offices_are_listed_a_page_at_a_time(client, db):
    _many_offices(45)
    first = client.get("/offices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert first.count('class="organisation') == 20
    assert "Page 1 of 3" in first and "office-0000" in first and "office-0020" not in first
    third = client.get("/offices/", {"page": "3"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert third.count('class="organisation') == 5 and "office-0044" in third
    # A page number that is no number, or past the end, shows a page rather than an error.
    assert client.get("/offices/", {"page": "x"}).status_code == 200
    assert "office-0044" in client.get("/offices/", {"page": "999"}).content.decode()


@override_settings(HIKKOSHI_REGIONS=NATIONWIDE, HIKKOSHI_REGION="nation")
def test_offices_are_found_by_municipality_and_the_search_is_kept_across_pages(client, db):
    municipalities = _many_offices(45)
    target = municipalities[30]
    page = client.get("/offices/", {"q": target.name}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{target.name}役所" in page and "office-0000" not in page
    assert f'value="{target.name}"' in page  # what was typed stays in the field
    for n in range(25):
        make_organisation(f"ward-{n:02d}", Category.WARD_OFFICE, f"区役所{n}", [municipalities[0].code])
    page = client.get("/offices/", {"q": municipalities[0].prefecture}).content.decode()
    assert "q=" in page and "page=2" in page  # the next page keeps the search


def test_a_search_without_match_says_so_in_japanese(client, directory):
    page = client.get("/offices/", {"q": "存在しない区"}).content.decode()
    assert "「存在しない区」に一致する窓口はありません。" in page


def test_a_bad_search_is_refused_next_to_the_field_and_kept(client, directory):
    response = client.get("/offices/", {"q": "中央\x01区"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "characters that cannot be used" in response.content.decode()
    long = client.get("/offices/", {"q": "あ" * 500})
    assert long.status_code == 400


@override_settings(HIKKOSHI_REGIONS=NATIONWIDE, HIKKOSHI_REGION="nation")
def test_the_pages_after_a_refused_search_do_not_carry_it(client, db):
    _many_offices(25)
    page = client.get("/offices/", {"q": "中央\x01区"}).content.decode()
    nav = page[page.index('<nav aria-label="ページ">') :]
    assert 'href="?page=2"' in nav and "q=" not in nav[: nav.index("</nav>")]


def test_a_ward_office_without_its_own_number_shows_the_city_call_centre(client, db):
    """The shipped Sapporo directory: no empty phone field, natural kana, no 「未確認」 hours."""
    from pathlib import Path

    import hikkoshi.directory
    from hikkoshi.directory.transfer import directory_import

    directory_import(path=Path(hikkoshi.directory.__file__).parent / "data" / "sapporo.json")
    page = client.get("/offices/", {"q": "白石"}).content.decode()
    assert "札幌市白石区役所" in page and "(サッポロシシロイシクヤクショ)" in page
    assert 'href="tel:011-222-4894"' in page and "札幌市コールセンター（区役所の電話番号は未掲載" in page
    assert "No contact is known yet" not in page and "連絡先はまだ分かりません" not in page
    assert "受付時間: 未確認" not in page and "札幌市コールセンターでご確認ください" in page
