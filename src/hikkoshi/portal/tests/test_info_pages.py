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
    "terms": ("専属的合意管轄裁判所", "exclusive jurisdiction"),
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


# Text that was true before applications could be sent, and the placeholders of the template.
STALE = {
    "ja": ("準備中", "運営者が定める", "まだ申請を受け付けていません", "ひな形", "(third-party", "unverified"),
    "en": ("in preparation", "to be set by the operator", "does not accept applications yet", "This is a template"),
}
OPERATOR = {
    "name": "札幌引越しポータル運営協議会",
    "address": "〒060-0001 札幌市中央区北1条西1丁目",
    "representative": "会長 札幌 太郎",
    "contact": "portal@example.jp",
    "contact_hours": "平日 9:00〜17:00",
    "members": "札幌市\n北海道ガス",
    "source_url": "https://git.example.jp/hikkoshi",
    "court": "札幌地方裁判所",
    "terms_date": "2026年12月1日",
    "log_retention": "90日",
    "demo": False,
}


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("slug", ["about", "flow", "notes", "terms", "privacy", "contact", "operators"])
def test_no_stale_text_nor_placeholder(client, settings, slug, lang):
    settings.HIKKOSHI_OPERATOR = OPERATOR
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    page = client.get(f"/pages/{slug}/").content.decode()
    for stale in STALE[lang]:
        assert stale not in page, stale
    assert "［" not in page and "[to be" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_top_page_says_applications_are_sent(client, settings, lang):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    page = client.get("/").content.decode()
    assert ("準備中" if lang == "ja" else "being built") not in page
    assert ("Web・メール・FAX で各事業者へ申請を届けます" if lang == "ja" else "sends each application") in page


@pytest.mark.django_db
def test_the_about_and_flow_pages_say_the_application_functions_work(client):
    about = client.get("/pages/about/").content.decode()
    assert "どれも今すぐ使えます" in about and 'href="/moves/"' in about
    flow = client.get("/pages/flow/").content.decode()
    assert "次の流れで進みます" in flow and "自動で送り直し" in flow


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["terms", "privacy", "contact", "operators"])
def test_the_operator_is_named_where_the_law_expects_it(client, settings, slug):
    settings.HIKKOSHI_OPERATOR = OPERATOR
    page = client.get(f"/pages/{slug}/").content.decode()
    assert OPERATOR["name"] in page
    if slug in ("privacy", "operators"):
        assert OPERATOR["address"] in page and OPERATOR["representative"] in page
    if slug in ("privacy", "contact", "operators"):
        assert OPERATOR["contact"] in page
    if slug == "terms":
        assert "札幌地方裁判所を第一審" in page and "制定日：2026年12月1日" in page
    if slug == "contact":
        assert "平日 9:00〜17:00" in page
    if slug == "operators":
        assert 'href="https://git.example.jp/hikkoshi"' in page and "札幌市<br>北海道ガス" in page
    if slug == "privacy":
        assert "ログの保存期間：90日" in page
    assert "デモ" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_demo_operator_is_said_to_be_a_demo(client, settings, lang):
    settings.HIKKOSHI_OPERATOR = {**OPERATOR, "name": "hikkoshi デモ運営事務局", "demo": True}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    for slug in ("terms", "privacy", "contact", "operators"):
        page = client.get(f"/pages/{slug}/").content.decode()
        assert ("このポータルはデモです" if lang == "ja" else "this portal is a demonstration") in page


@pytest.mark.django_db
def test_an_operator_not_set_is_said_so_without_a_placeholder(client, settings):
    settings.HIKKOSHI_OPERATOR = {}
    page = client.get("/pages/operators/").content.decode()
    assert "（未設定）" in page and "運営者が定める" not in page
    terms = client.get("/pages/terms/").content.decode()
    assert "運営者の所在地を管轄する地方裁判所" in terms and "制定日" not in terms


def test_the_dev_settings_give_a_demo_operator():
    from hikkoshi.settings import dev

    assert dev.HIKKOSHI_OPERATOR["demo"] is True
    assert "デモ" in dev.HIKKOSHI_OPERATOR["name"]
    assert "@example.jp" in dev.HIKKOSHI_OPERATOR["contact"]


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "names"), [("ja", ("日本語", "English")), ("en", ("日本語", "English"))])
def test_the_language_switch_names_each_language_in_itself(client, settings, lang, names):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    page = client.get("/").content.decode()
    start = page.index('id="language-select"')
    switch = page[start : page.index("</select>", start)]
    for name in names:
        assert f">{name}</option>" in switch
    assert "英語" not in switch and "Japanese" not in switch
