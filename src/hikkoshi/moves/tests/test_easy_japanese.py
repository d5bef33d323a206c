"""やさしい日本語 (``ja-x-easy``): chosen like English, the mover's pages and mails in it, what it
does not translate in ordinary Japanese, the documents still made."""

from datetime import date
import json
import re

from django.conf import settings
from django.core import mail
from django.utils import formats, translation
from django.utils.translation import trans_real
import pytest

from hikkoshi.accounts.tests.conftest import PASSWORD
from hikkoshi.delivery.tests.test_email_channel import Recorder, smtp_server  # noqa: F401
from hikkoshi.documents.tests import pdftools
from hikkoshi.documents.tests.pdftools import needs_poppler
from hikkoshi.moves.answers import answer_record
from hikkoshi.moves.constants import AnswerStatus, ProcedureStatus
from hikkoshi.moves.models import Move, MoveProcedure, ProcedureAnswer
from hikkoshi.moves.services import move_submit
from hikkoshi.notifications import services as notifications
from hikkoshi.notifications.models import Kind, Notification, Preference

from .conftest import sapporo_relocation
from .test_foreign_residents import FOREIGN, foreign_post
from .test_pages import AGREE, base_of, details_post, people_post, places_post, procedures_post, soon, start

EASY = "ja-x-easy"


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def easy_client(client, db):
    """A browser that chose やさしい日本語 with the language switch."""
    response = client.post("/i18n/setlang/", {"language": EASY, "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == EASY
    return client


def test_django_accepts_the_code():
    assert settings.EASY_JAPANESE == EASY
    assert trans_real.language_code_re.search(EASY)
    assert translation.to_locale(EASY) == "ja_X-easy"  # the folder of its catalogue
    assert translation.check_for_language(EASY)
    assert translation.get_supported_language_variant(EASY) == EASY
    # Japanese asked for is still Japanese, not the easy variant.
    assert translation.get_supported_language_variant("ja") == "ja"
    assert translation.get_supported_language_variant("ja-JP") == "ja"
    info = translation.get_language_info(EASY)
    assert info["name_local"] == "やさしい にほんご" and info["code"] == EASY


def test_the_switch_offers_it_and_the_pages_speak_it(client, db):
    page = text(client.get("/"))
    options = re.findall(r'<option value="([^"]+)" lang="[^"]+"[^>]*>([^<]+)</option>', page)
    # (twice: in the header, and in the menu that holds it on a phone)
    assert options == [("ja", "日本語"), (EASY, "やさしい にほんご"), ("en", "English")] * 2
    assert "引越しの手続きを、一度の入力で。" in page

    client.post("/i18n/setlang/", {"language": EASY, "next": "/"})
    response = client.get("/")
    page = text(response)
    assert "ひっこしの 手続（てつづ）きを 1回（かい）で。" in page
    assert f'<option value="{EASY}" lang="{EASY}" selected>' in page
    # Read aloud as Japanese: the page's language is its primary subtag.
    assert '<html lang="ja">' in page
    assert response["Content-Language"] == EASY


def test_what_it_does_not_translate_is_ordinary_japanese(db):
    """Django's fallback to LANGUAGE_CODE: never the English msgid, whoever adds a msgid."""
    japanese = trans_real.translation("ja")
    easy = trans_real.translation(EASY)
    own_easy = {key for key in _own_catalogue() if key}
    assert len(own_easy) > 400  # what it translates itself
    checked = 0
    for key in tuple(japanese._catalog.keys()):  # a TranslationCatalog: no __iter__
        if not isinstance(key, str) or not key or key in own_easy:
            continue
        msgid = key.split("\x04", 1)[-1]
        context = key.split("\x04", 1)[0] if "\x04" in key else None
        with translation.override(EASY):
            shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
        with translation.override("ja"):
            expected = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
        assert shown == expected, msgid
        checked += 1
    assert checked > 500
    # One the easy catalogue leaves out (staff pages), shown in Japanese.
    staff = "Staff pages need your second factor: confirm it's you to go on."
    assert staff not in own_easy
    with translation.override(EASY):
        assert translation.gettext(staff) == japanese.gettext(staff) != staff
    assert easy.gettext("Start a move") == "ひっこしの 申請（しんせい）を はじめる"


def _own_catalogue():
    """The msgids locale/ja_X-easy translates itself."""
    import gettext

    with open(settings.LOCALE_PATHS[0] / "ja_X-easy" / "LC_MESSAGES" / "django.mo", "rb") as mo:
        return gettext.GNUTranslations(mo)._catalog.keys()


def test_the_wizard_in_easy_japanese(easy_client, sapporo, mover):
    client = easy_client
    client.force_login(mover)
    assert "ひっこしの 申請（しんせい）を はじめる" in text(client.get("/moves/"))
    base = base_of(start(client))

    # An error the mover sees, in easy Japanese, and what was typed kept.
    page = text(client.post(base + "places/", places_post(old={**_old(), "postcode": "999-9999"}), follow=True))
    assert "なおす ところが" in page and "999-9999" in page
    assert "この 郵便番号（ゆうびんばんごう）は ありません。" in page
    assert client.post(base + "places/", places_post())["Location"] == base + "procedures/"

    page = text(client.get(base + "procedures/"))
    assert "法律（ほうりつ）で きまって いる 手続（てつづ）き" in page and "ここで 申（もう）しこむ" in page
    assert client.post(base + "procedures/", procedures_post())["Location"] == base + "people/"

    # Legal terms kept, with their reading and what they mean.
    page = text(client.get(base + "people/"))
    assert (
        "世帯主（せたいぬし）" in page
        and "続柄（つづきがら）（世帯主（せたいぬし）から 見（み）た 関係（かんけい））" in page
    )
    assert "住民異動届（じゅうみんいどうとどけ）" in page
    assert "生年月日（せいねんがっぴ）" in page
    assert client.post(base + "people/", people_post())["Location"] == base + "details/"
    assert client.post(base + "details/", details_post(soon()))["Location"] == base + "review/"

    page = text(client.get(base + "review/"))
    assert "書（か）いた ことを たしかめて ください。" in page and "申請（しんせい）する" in page
    assert client.post(base + "submit/", AGREE)["Location"] == base
    page = text(client.get(base))
    assert "申請（しんせい）の 結果（けっか）" in page and "これから する こと" in page
    assert "Application result" not in page and '<html lang="ja">' in page


def _old() -> dict:
    from .test_pages import OLD

    return dict(OLD)


def test_the_confirmation_mail_in_easy_japanese(easy_client, db):
    easy_client.post("/accounts/signup/", {"email": "easy@example.jp", "password1": PASSWORD, "password2": PASSWORD})
    message = mail.outbox[-1]
    assert "メールアドレスを たしかめて ください" in message.subject
    assert message.body.startswith("ひっこしの てつづきの サイト hikkoshi です。\n"), message.body
    assert "この メールアドレスを 書（か）きました" in message.body
    assert "/accounts/confirm-email/" in message.body


def test_the_password_reset_mail_in_easy_japanese(easy_client, db):
    easy_client.post("/accounts/signup/", {"email": "reset@example.jp", "password1": PASSWORD, "password2": PASSWORD})
    easy_client.post("/accounts/password/reset/", {"email": "reset@example.jp"})
    message = mail.outbox[-1]
    assert "パスワードを あたらしく する メール" in message.subject
    assert "下（した）の リンクを ひらいて ください" in message.body


def test_dates_are_formatted_as_in_japanese():
    day = date(2026, 4, 1)
    with translation.override("ja"):
        japanese = formats.date_format(day), formats.get_format("DATE_INPUT_FORMATS")
    with translation.override(EASY):
        assert (formats.date_format(day), formats.get_format("DATE_INPUT_FORMATS")) == japanese
    assert japanese[0] == "2026年4月1日"


def test_the_api_answers_in_it_when_asked(client, db):
    response = client.get("/api/v1/nothing-here", HTTP_ACCEPT_LANGUAGE=EASY)
    assert response.status_code == 404 and response["Content-Language"] == EASY
    assert response.json()["title"] == "ありません"
    assert client.get("/api/v1/nothing-here", HTTP_ACCEPT_LANGUAGE="ja").json()["title"] == "見つかりません"


@needs_poppler
def test_documents_are_made_while_easy_japanese_is_chosen(api, easy_client, sapporo, mover):
    """The official form and the mover's sheets stay in ordinary Japanese (organisations and
    counters read them): made whole, through the pages and the API."""
    response = api.post("/api/v1/moves", json.dumps(sapporo_relocation()), content_type="application/json")
    assert response.status_code == 201, response.content
    move = Move.objects.get(public_id=response.json()["id"])
    documents = f"/api/v1/moves/{move.public_id}/documents/"
    result = api.get(documents + "result.pdf", HTTP_ACCEPT_LANGUAGE=EASY)
    assert result.status_code == 200 and "申請結果" in pdftools.text(result.content)
    japanese_result = api.get(documents + "result.pdf", HTTP_ACCEPT_LANGUAGE="ja")
    assert pdftools.text(result.content) == pdftools.text(japanese_result.content)
    copy = api.get(documents + "copy.pdf", HTTP_ACCEPT_LANGUAGE=EASY)
    assert copy.status_code == 200 and pdftools.text(copy.content)

    del easy_client.defaults["HTTP_AUTHORIZATION"]
    easy_client.force_login(mover)
    form = easy_client.get(f"/moves/{move.public_id}/documents/form-sapporo-move-in.pdf")
    assert form.status_code == 200 and form["Content-Type"] == "application/pdf"
    assert "住民異動届" in pdftools.text(form.content, page=1)
    assert "持ち物・届出先" in pdftools.text(form.content, page=2)
    # Word for word what a Japanese request gets: nothing of the easy catalogue leaks in.
    easy_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    japanese = easy_client.get(f"/moves/{move.public_id}/documents/form-sapporo-move-in.pdf")
    for page in (1, 2):
        assert pdftools.text(form.content, page=page) == pdftools.text(japanese.content, page=page)


def test_the_account_pages_and_their_errors_in_easy_japanese(easy_client, mover):
    page = text(easy_client.post("/accounts/login/", {"login": "nobody@example.jp", "password": "wrong-password"}))
    assert "メールアドレスか パスワードが ちがいます。" in page and 'value="nobody@example.jp"' in page
    page = text(easy_client.get("/accounts/signup/"))
    assert "パスワード（もう一度（いちど））" in page and "数字（すうじ）だけの パスワードは つかえません。" in page
    easy_client.force_login(mover)
    page = text(easy_client.get("/accounts/"))
    assert "あなたの データ" in page and "自分（じぶん）の データを ダウンロードする（JSON）" in page
    page = text(easy_client.get("/moves/no-such-page/"))
    assert "ページが ありません" in page


def test_the_foreign_resident_block_in_easy_japanese(easy_client, sapporo, mover):
    """外国人住民: the people step's labels, hints, 区分 and errors, and the review page's list of
    what goes where, in easy Japanese: the readers who need it most."""
    client = easy_client
    client.force_login(mover)
    base = base_of(start(client))
    client.post(base + "places/", places_post())
    client.post(base + "procedures/", procedures_post())
    page = text(client.get(base + "people/"))
    assert "外国人（がいこくじん）の 人（ひと）" in page  # the block's legend
    assert "わたしは 外国人（がいこくじん）です" in page
    assert "在留（ざいりゅう）カードなどの 番号（ばんごう）" in page and "在留資格（ざいりゅうしかく）" in page
    assert "中長期在留者（ちゅうちょうきざいりゅうしゃ）" in page and "特別永住者（とくべつえいじゅうしゃ）" in page
    assert "在留期間（ざいりゅうきかん）が 終（お）わる 日（ひ）" in page
    assert "外国人住民です（日本の国籍がありません）" not in page and "在留カード等の番号" not in page

    typed = people_post()
    typed.update(foreign_post("applicant", dict(FOREIGN, residence_card_number="AB-1234")))
    response = client.post(base + "people/", typed)
    assert response.status_code == 302 and "people" in response["Location"]
    page = text(client.get(response["Location"]))
    assert "アルファベット 2つ、数字（すうじ） 8つ、アルファベット 2つで 書（か）いて ください" in page
    assert "英字2桁" not in page and 'value="AB-1234"' in page  # nothing typed is lost

    typed.update(foreign_post("applicant", FOREIGN))
    assert client.post(base + "people/", typed)["Location"] == base + "details/"
    assert client.post(base + "details/", details_post(soon()))["Location"] == base + "review/"
    review = text(client.get(base + "review/"))
    assert "外国人（がいこくじん）の 人（ひと）の 国籍（こくせき）・地域（ちいき）" in review
    assert "外国人住民の方の国籍・地域" not in review


def test_a_mail_in_easy_japanese_names_procedures_as_the_pages_do(sapporo, mover, smtp_server):
    """A mover whose mails are in やさしい日本語: the subject, the body and the procedures'
    names (catalogue.schema.easy, as on the pages), through a real SMTP conversation."""
    handler = Recorder()
    smtp_server(handler)
    Preference.objects.create(user=mover, language=EASY)
    move = move_submit(owner=mover, payload=sapporo_relocation())
    assert notifications.send(Notification.objects.get(move=move, kind=Kind.CONFIRMATION).pk) == "sent"
    [msg] = handler.messages()
    assert (
        msg["Subject"]
        == f"ひっこしの 申請（しんせい）を 受（う）け付（つ）けました（申請番号（しんせいばんごう） {move.number}）"
    )
    for body in (msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()):
        assert "下（した）に 手続（てつづ）きと これから する こと" in body
        assert "水道（すいどう）を とめる（まえの 住所（じゅうしょ））" in body
        assert "水道の使用中止（旧住所）" not in body and "引越しの申請を受け付けました" not in body


def test_the_result_timeline_in_easy_japanese(easy_client, sapporo, mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    entry = MoveProcedure.objects.filter(move=move, status=ProcedureStatus.QUEUED).first()
    answer_record(
        entry_id=entry.pk, status=AnswerStatus.RECEIVED, message="", key="r1", source=ProcedureAnswer.Source.WEB
    )
    easy_client.force_login(mover)
    page = text(easy_client.get(f"/moves/{move.public_id}/"))
    assert "とどけた ところの ようす" in page  # 事業者での処理状況
    assert "とどけた ところが 受（う）け取（と）りました" in page  # 受付済み
    assert "事業者での処理状況" not in page and "受付済み" not in page
