"""The satisfaction survey (満足度アンケート): offered on the result page, one answer per move,
kept without the user or the move, erased with the move, shown (escaped) to the administrators."""

from datetime import timedelta
import re

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
import pytest

from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401
from hikkoshi.moves.lifecycle import moves_delete
from hikkoshi.moves.models import Move
from hikkoshi.moves.tests.conftest import mover  # noqa: F401
from hikkoshi.privacy.services import erase_expired, retention_start
from hikkoshi.privacy.tests.conftest import keys, submitted  # noqa: F401
from hikkoshi.privacy.tests.test_erasure import finish
from hikkoshi.stats.models import SurveyAnswer, SurveyLink

pytestmark = pytest.mark.django_db


def _radio(html: str, value: str) -> str:
    match = re.search(rf'<input type="radio" name="level" value="{value}"[^>]*>', html)
    assert match, value
    return match.group(0)


def _url(move) -> str:
    return f"/moves/{move.public_id}/survey/"


def test_the_result_page_offers_the_survey_as_a_fieldset_without_script(client, keys, submitted, mover):
    client.force_login(mover)
    html = client.get(f"/moves/{submitted.public_id}/").content.decode()
    survey = html[html.index('id="survey"') :]
    survey = survey[: survey.index("</section>")]
    assert f'action="{_url(submitted)}"' in survey and 'method="post"' in survey
    assert "<fieldset" in survey and "<legend>" in survey
    assert survey.count('type="radio"') == 5 and 'name="comment"' in survey and 'maxlength="500"' in survey
    assert "<script" not in survey


def test_one_answer_per_move_stored_without_user_or_move(client, keys, submitted, mover):
    client.force_login(mover)
    answer = client.post(_url(submitted), {"level": "4", "comment": "便利でした"})
    assert answer.status_code == 302 and answer["Location"] == f"/moves/{submitted.public_id}/#survey"
    again = client.post(_url(submitted), {"level": "2", "comment": ""})
    assert again.status_code == 302
    row = SurveyAnswer.objects.get()  # answering again changed the one answer
    assert (row.level, row.comment, row.simulated, row.day) == (2, "", False, timezone.localdate())
    assert SurveyLink.objects.get().move_id == submitted.pk
    columns = {f.column for f in SurveyAnswer._meta.concrete_fields}
    assert columns == {"id", "level", "comment", "day", "simulated"}  # no user, no move
    page = client.get(f"/moves/{submitted.public_id}/").content.decode()
    assert _radio(page, "2").endswith("checked>") and "checked" not in _radio(page, "4")  # shown as answered


def test_a_refused_answer_names_the_field_and_keeps_what_was_typed(client, keys, submitted, mover):
    client.force_login(mover)
    typed = "<b>長い</b>" + "あ" * 500
    page = client.post(_url(submitted), {"level": "5", "comment": typed})
    assert page.status_code == 400
    html = page.content.decode()
    assert "&lt;b&gt;長い&lt;/b&gt;" + "あ" * 500 in html and "<b>長い</b>" not in html  # kept, escaped
    assert "checked" in _radio(html, "5")
    assert "500" in html and 'href="#id_comment"' in html  # the summary links to the field
    missing = client.post(_url(submitted), {"comment": "とても良い"})
    assert missing.status_code == 400 and "とても良い" in missing.content.decode()
    assert not SurveyAnswer.objects.exists()


def test_only_the_mover_of_a_submitted_move_answers(client, keys, submitted, django_user_model):
    other = django_user_model.objects.create_user("other@example.jp", "other@example.jp", "pw-for-tests")
    client.force_login(other)
    assert client.get(_url(submitted)).status_code == 404
    assert client.post(_url(submitted), {"level": "5"}).status_code == 404
    client.logout()
    assert client.post(_url(submitted), {"level": "5"}).status_code == 302  # to sign in
    assert not SurveyAnswer.objects.exists()


def test_the_comment_is_erased_with_the_moves_personal_data(client, keys, submitted, mover):
    client.force_login(mover)
    client.post(_url(submitted), {"level": "3", "comment": "担当の方が親切でした"})
    finish(submitted)
    assert erase_expired(now=retention_start(submitted) + timedelta(days=31)) == 1
    row = SurveyAnswer.objects.get()
    assert (row.level, row.comment) == (3, "")  # the level stays, as a count
    assert not SurveyLink.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT comment FROM stats_surveyanswer")
        assert cursor.fetchall() == [("",)]
    assert client.get(_url(submitted)).status_code == 404  # nothing to answer on an erased move


def test_deleting_the_move_deletes_its_answer(client, keys, submitted, mover):
    client.force_login(mover)
    client.post(_url(submitted), {"level": "1", "comment": "x"})
    moves_delete(move_ids=[submitted.pk])
    assert not Move.objects.exists() and not SurveyAnswer.objects.exists()


def test_the_dashboard_shows_the_results_escaped(admin_client):
    today = timezone.localdate()
    SurveyAnswer.objects.create(level=5, comment="<script>alert(1)</script>", day=today)
    SurveyAnswer.objects.create(level=2, day=today)
    SurveyAnswer.objects.create(level=4, comment="made-up comment", day=today, simulated=True)
    SurveyAnswer.objects.create(level=1, comment="outside", day=today - timedelta(days=60))
    html = admin_client.get("/admin/stats/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<th scope="row">5</th><td>1</td><td>0</td>' in html
    assert '<th scope="row">4</th><td>1</td><td>1</td>' in html
    assert '<th scope="row">1</th><td>0</td><td>0</td>' in html and "outside" not in html
    assert "3.67" in html
    measured = admin_client.get("/admin/stats/", {"event": "visit"}).content.decode()  # simulated unticked
    assert "3.5" in measured and "made-up comment" not in measured


def test_simulate_adds_simulated_answers(db):
    call_command("stats", "simulate", "--days", "10")
    answers = SurveyAnswer.objects.all()
    assert answers.exists() and not answers.filter(simulated=False).exists()
    assert {a.level for a in answers} <= {1, 2, 3, 4, 5}
    first = answers.count()
    call_command("stats", "simulate", "--days", "10")  # replaced, not added
    assert SurveyAnswer.objects.count() == first
