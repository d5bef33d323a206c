import re

from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from hikkoshi.portal.models import News


def test_top_page_shows_published_news_only(client, db):
    News.objects.create(title="窓口の臨時開庁", title_en="Extra opening days")
    News.objects.create(title="下書き", is_published=False)
    News.objects.create(title="未来の記事", published_at=timezone.now() + timezone.timedelta(days=1))
    page = client.get("/").content.decode()
    assert "窓口の臨時開庁" in page
    assert "下書き" not in page and "未来の記事" not in page
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Extra opening days" in english


def test_news_detail_and_unpublished_is_404(client, db):
    item = News.objects.create(title="お知らせ本文", body="一行目\n二行目")
    hidden = News.objects.create(title="下書き", is_published=False)
    assert "二行目" in client.get(f"/news/{item.pk}/").content.decode()
    assert client.get(f"/news/{hidden.pk}/").status_code == 404


def test_search_by_postcode_lists_organisations(client, directory):
    response = client.get("/search/", {"postcode": "〒０６０ー００４２"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "札幌市役所" in page and "中央区役所" in page and "テストガス" in page
    assert "北区役所" not in page and "千代田区役所" not in page
    assert "01101" in page and "011011" in page


def test_search_by_address(client, directory):
    page = client.get("/search/", {"address": "札幌市北区北２４条西６丁目"}).content.decode()
    assert "北区役所" in page and "中央区役所" not in page


def test_search_by_address_without_postcode_marks_partial_service(client, directory):
    page = client.get("/search/", {"address": "札幌市"}).content.decode()
    assert "テストガス" in page
    assert 'class="partial"' in page


def test_search_filters_by_category(client, directory):
    page = client.get("/search/", {"postcode": "0600042", "category": "gas"}).content.decode()
    assert "テストガス" in page and "札幌市役所" not in page


def _field_value(page, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_a_malformed_postcode_keeps_what_was_typed_and_says_why(client, db):
    response = client.get(
        "/search/", {"postcode": "06O-0042", "address": "札幌市", "category": "gas"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert _field_value(page, "postcode") == "06O-0042"
    assert _field_value(page, "address") == "札幌市"
    assert '<option value="gas" selected>' in page
    assert 'id="id_postcode_error"' in page
    assert "seven digits" in page
    assert 'aria-invalid="true"' in page


def test_an_unknown_postcode_is_said_next_to_the_field(client, db):
    page = client.get("/search/", {"postcode": "000-0000"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="id_postcode_error"' in page and "No such postal code" in page
    assert _field_value(page, "postcode") == "000-0000"


def test_an_empty_search_asks_for_something(client, db):
    response = client.get("/search/", {"postcode": "", "address": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Enter a postal code or an address" in response.content.decode()


def test_an_ambiguous_address_asks_for_the_prefecture(client, db):
    page = client.get("/search/", {"address": "府中市"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Add the prefecture" in page and "広島県府中市" in page


def test_offices_page_lists_city_and_ward_offices_of_the_region(client, directory):
    page = client.get("/offices/").content.decode()
    assert "札幌市役所" in page and "中央区役所" in page and "北区役所" in page
    assert "千代田区役所" not in page and "テストガス" not in page


def test_unverified_data_is_marked_as_sample(client, directory):
    page = client.get("/search/", {"postcode": "0600042"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chuo = page[page.index("中央区役所") :]
    assert "Sample data" in chuo[:600]


def test_every_page_has_a_csp_and_a_language_switch(client, db):
    for url in ["/", "/search/", "/offices/", "/pages/about/"]:
        response = client.get(url)
        assert "default-src 'self'" in response["Content-Security-Policy"], url
        page = response.content.decode()
        assert 'action="/i18n/setlang/"' in page
        assert '<html lang="ja">' in page


def test_switching_to_english_is_remembered(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/search/"})
    assert response.status_code == 302 and response["Location"] == "/search/"
    page = client.get("/search/").content.decode()
    assert '<html lang="en">' in page and "Find providers" in page


def test_not_found_page_is_html_and_localised(client, db):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@given(postcode=st.text(max_size=50), address=st.text(max_size=250), category=st.text(max_size=20))
@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_input_crashes_the_search_page(client, directory, postcode, address, category):
    params = {"postcode": postcode, "address": address, "category": category}
    response = client.get("/search/", params)
    assert response.status_code in (200, 400)


def _ed25519_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def _deploy_check(tmp_path, **extra):
    import os
    import subprocess
    import sys

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("HIKKOSHI_OPERATOR", "HIKKOSHI_PORTAL_URL"))},
        "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.production",
        "HIKKOSHI_SECRET_KEY": "x" * 20 + "-production-check-key-with-enough-entropy-0123456789",
        "HIKKOSHI_ALLOWED_HOSTS": "portal.example.jp",
        "HIKKOSHI_DATA_DIR": str(tmp_path),
        "HIKKOSHI_QR_KEY": "q" * 40,
        "HIKKOSHI_TRUSTED_PROXY_COUNT": "1",
        "HIKKOSHI_DATA_KEYS": "k1:" + "A" * 43 + "=",
        "HIKKOSHI_SIGNING_KEY": _ed25519_pem(),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "hikkoshi.cli", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = _deploy_check(
        tmp_path,
        HIKKOSHI_PORTAL_URL="https://portal.example.jp/",
        HIKKOSHI_OPERATOR_NAME="札幌引越しポータル運営協議会",
        HIKKOSHI_OPERATOR_ADDRESS="札幌市中央区北1条西1丁目",
        HIKKOSHI_OPERATOR_CONTACT="portal@example.jp",
        HIKKOSHI_SOURCE_URL="https://git.example.jp/hikkoshi",
        HIKKOSHI_OIDC_KEY=_rsa_pem(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_checks_name_a_missing_operator_and_a_local_portal_url(tmp_path):
    """Production pages never show the demo's operator nor give 127.0.0.1 as the portal."""
    result = _deploy_check(tmp_path, HIKKOSHI_OPERATOR_NAME="札幌引越しポータル運営協議会")
    assert result.returncode != 0
    assert "hikkoshi.portal.W001" in result.stderr and "HIKKOSHI_OPERATOR_ADDRESS" in result.stderr
    assert "HIKKOSHI_OPERATOR_NAME" not in result.stderr.split("W001")[1].split("\n")[0]
    assert "hikkoshi.portal.W003" in result.stderr and "127.0.0.1:8000" in result.stderr


def test_the_deployment_checks_warn_without_the_key_of_the_id_tokens(tmp_path):
    """Without the key that signs the ID tokens partner portals are given: a warning."""
    result = _deploy_check(tmp_path, HIKKOSHI_PORTAL_URL="https://portal.example.jp/")
    assert result.returncode != 0 and "hikkoshi.federation.W001" in result.stdout + result.stderr
    assert "hikkoshi.federation.W001" not in _deploy_check(tmp_path, HIKKOSHI_OIDC_KEY=_rsa_pem()).stderr


def _rsa_pem() -> str:
    from hikkoshi.federation.signin import generate_id_token_key_pem

    return generate_id_token_key_pem().decode()


def test_banners_have_an_svg_icon_and_say_their_kind_in_words(rf, db):
    """Issue 12: the messages are DADS notification banners with a small inline SVG icon (decorative,
    aria-hidden), not a text glyph drawn by the stylesheet; the kind is said in words for a screen
    reader."""
    from django.contrib import messages
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.template.loader import render_to_string
    from django.utils import translation

    request = rf.get("/")
    request.session = {}
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)
    messages.success(request, "保存しました")
    messages.warning(request, "期限が近づいています")
    messages.error(request, "送信できませんでした")
    with translation.override("ja"):
        page = render_to_string("portal/base.html", request=request)
    banners = re.findall(r'<li class="message (\w+)">(.*?)</li>', page, re.DOTALL)
    assert [kind for kind, _ in banners] == ["success", "warning", "error"]
    for (kind, body), word in zip(banners, ("完了：", "注意：", "エラー："), strict=True):
        assert re.match(rf'<svg class="icon banner-icon banner-icon--{kind}" aria-hidden="true"', body), body
        assert f'<span class="visually-hidden">{word} </span>' in body
    from hikkoshi.portal.design_tokens import STYLESHEET

    assert not re.search(r"li\.message[^{]*::before", STYLESHEET.read_text())
