"""The information pages (このサイトについて, サービスの流れ, 利用規約, …) in both languages.

The marker words are checked in the page fragments' own text (``portal/pages/{lang}/{slug}.html``),
not in ``base.html``, whose strings depend on the translation catalogue.
"""

from pathlib import Path
import re

from django.conf import settings
import pytest

from hikkoshi.portal.views import INFO_PAGES

PAGES_DIR = Path(__file__).resolve().parent.parent / "templates" / "portal" / "pages"

# A word from each fragment: Japanese for the ja page, English for the en page.
MARKERS = {
    "about": ("事業者情報検索", "provider search"),
    "flow": ("申請控え", "applicant’s copy"),
    "terms": ("運営者が定める", "to be set by the operator"),
    "notes": ("個人番号", "My Number"),
    "privacy": ("クエリ文字列", "query string"),
    "contact": ("各手続きについてのお問い合わせ", "Questions about a procedure"),
    "operators": ("官民連携", "public-private"),
}

CASES = [
    pytest.param(slug, lang, MARKERS[slug][0 if lang == "ja" else 1], id=f"{slug}-{lang}")
    for slug in MARKERS
    for lang in ("ja", "en")
]


def _html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match, "no lang attribute on <html>"
    return match.group(1)


def test_every_info_page_has_a_marker():
    assert set(MARKERS) == set(INFO_PAGES)


@pytest.mark.django_db
@pytest.mark.parametrize("slug,lang,marker", CASES)
def test_page_by_language_cookie(client, slug, lang, marker):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(f"/pages/{slug}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert _html_lang(page) == lang
    assert marker in page
    assert f"portal/pages/{lang}/{slug}.html" in [t.name for t in response.templates]


@pytest.mark.django_db
@pytest.mark.parametrize("slug,lang,marker", CASES)
def test_page_by_accept_language(client, slug, lang, marker):
    response = client.get(f"/pages/{slug}/", headers={"accept-language": lang})
    page = response.content.decode()
    assert response.status_code == 200
    assert _html_lang(page) == lang
    assert marker in page


@pytest.mark.django_db
def test_japanese_is_the_default(client):
    page = client.get("/pages/about/").content.decode()
    assert _html_lang(page) == "ja"
    assert "事業者情報検索" in page


@pytest.mark.django_db
def test_unknown_slug_is_404(client):
    assert client.get("/pages/no-such-page/").status_code == 404


@pytest.mark.parametrize("path", sorted(PAGES_DIR.glob("*/*.html")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fragment_is_plain_html_for_a_strict_csp(path):
    """No <h1> (page.html has it), nothing inline for the CSP to block, no typed phone number."""
    text = path.read_text(encoding="utf-8")
    assert "<h1" not in text
    assert "<script" not in text.lower()
    assert not re.search(r"\sstyle\s*=", text, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE)
    # Phone numbers come from the directory, never typed into a page.
    assert not re.search(r"\d{2,5}-\d{1,4}-\d{3,4}", text)


def test_both_languages_have_every_fragment():
    for slug in INFO_PAGES:
        for lang in ("ja", "en"):
            assert (PAGES_DIR / lang / f"{slug}.html").is_file(), f"{lang}/{slug}.html missing"
