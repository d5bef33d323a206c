"""After submitting: the result page leads with 「次にやること」, statuses read as words, and a
mover withdraws or corrects what is not yet processed — through the pages."""

import re
import subprocess

from django.test import Client
import pytest

from hikkoshi.audit.models import AuditEvent
from hikkoshi.delivery.models import Delivery, Notice
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.models import MoveProcedure
from hikkoshi.moves.services import move_submit

from .conftest import sapporo_relocation

KEY = "k" * 20


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def move(sapporo, mover):
    return move_submit(owner=mover, payload=sapporo_relocation())


@pytest.fixture
def ja(client, mover):
    client.force_login(mover)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    client.cookies["django_language"] = "ja"
    return client


def section(page: str, heading_id: str) -> str:
    section = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, flags=re.S)
    assert section is not None, heading_id
    return section.group(0)


def test_the_result_page_leads_with_what_is_left_to_do(ja, move):
    page = text(ja.get(f"/moves/{move.public_id}/"))
    assert 'id="next-heading">次にやること<' in page
    steps = section(page, "next-heading")
    assert page.index('id="next-heading"') < page.index('id="entry-sapporo-water-start"')
    # The 転入届 at the destination ward's counter: where, when, what to bring, the form.
    assert "転入届を窓口で届け出る" in steps or "窓口で届け出る" in steps
    assert "北区役所" in steps and "〒" in steps
    entry = MoveProcedure.objects.get(move=move, version__procedure__slug="sapporo-move-in")
    assert entry.deadline_to.strftime("%Y") in steps  # by when, with the date
    bring = MoveProcedure.objects.get(pk=entry.pk).definition["what_to_bring"].splitlines()[0]
    assert bring in steps
    assert "form-sapporo-move-in.pdf" in steps
    # In person reads as something to do, never as done.
    badge = re.search(r'id="status-sapporo-move-in">([^<]+)<', page).group(1)
    assert badge == "窓口で届出が必要"
    assert re.search(r'id="status-sapporo-water-start">送付待ち<', page)


def test_the_mover_marks_a_counter_procedure_filed_and_back(ja, move, mover):
    url = f"/moves/{move.public_id}/filed/sapporo-move-in/"
    assert ja.post(url, {"filed": "1"}).status_code == 302
    page = text(ja.get(f"/moves/{move.public_id}/"))
    assert re.search(r'id="status-sapporo-move-in">窓口で届出済み（ご本人の記録）<', page)
    assert "窓口で届け出る" not in section(page, "next-heading")
    assert AuditEvent.objects.filter(move=move.public_id, action="filed", target="sapporo-move-in yes").exists()
    # Filed at the counter: no longer withdrawn here.
    assert "sapporo-move-in" not in text(ja.get(f"/moves/{move.public_id}/withdraw/")).split("ここでは取り下げ")[0]
    ja.post(url, {"filed": "0"})
    assert re.search(r'id="status-sapporo-move-in">窓口で届出が必要<', text(ja.get(f"/moves/{move.public_id}/")))
    # Only a counter procedure can be marked.
    assert ja.post(f"/moves/{move.public_id}/filed/sapporo-water-start/", {"filed": "1"}).status_code == 404


def test_withdrawing_the_whole_move_through_the_pages(ja, move, mover):
    form = text(ja.get(f"/moves/{move.public_id}/withdraw/"))
    key = re.search(r'name="request_key" value="([^"]+)"', form).group(1)
    ticked = re.findall(r'name="procedure" value="([^"]+)"[^>]*checked', form)
    assert set(ticked) == {
        "sapporo-move-in",
        "sapporo-water-stop",
        "sapporo-water-start",
        "hokkaido-gas-stop",
        "hokkaido-gas-start",
        "hepco-electricity-stop",
        "hepco-electricity-start",
    }
    # The water application is already with its organisation.
    Delivery.objects.filter(entry__move=move, entry__version__procedure__slug="sapporo-water-start").update(
        status=ProcedureStatus.DELIVERED, reference="W-1"
    )
    MoveProcedure.objects.filter(move=move, version__procedure__slug="sapporo-water-start").update(
        status=ProcedureStatus.DELIVERED
    )
    data = {"request_key": key, "procedure": ticked}
    assert ja.post(f"/moves/{move.public_id}/withdraw/", data)["Location"] == f"/moves/{move.public_id}/"
    assert ja.post(f"/moves/{move.public_id}/withdraw/", data).status_code == 302  # sent twice: once
    assert Notice.objects.filter(delivery__entry__move=move).count() == 7
    page = text(ja.get(f"/moves/{move.public_id}/"))
    assert re.search(r'id="status-hokkaido-gas-start">取下げ済み<', page)
    assert re.search(r'id="status-sapporo-move-in">取下げ済み<', page)
    assert re.search(r'id="status-sapporo-water-start">取下げを届出先に送付中<', page)
    steps = section(page, "next-heading")
    assert "取り下げました。窓口に届け出ないでください" in steps
    assert "取下げ: 送付中" in page
    assert AuditEvent.objects.filter(move=move.public_id, action="withdraw").count() == 7
    # Nothing left to withdraw: the page says so, and the result page offers no more.
    assert "もうありません" in text(ja.get(f"/moves/{move.public_id}/withdraw/"))


def test_withdrawing_one_procedure_needs_a_tick(ja, move):
    form = text(ja.get(f"/moves/{move.public_id}/withdraw/?procedure=hokkaido-gas-start"))
    assert re.findall(r'name="procedure" value="([^"]+)"[^>]*checked', form) == ["hokkaido-gas-start"]
    response = ja.post(f"/moves/{move.public_id}/withdraw/", {"request_key": KEY})
    assert response.status_code == 400 and "1つ以上選んでください" in text(response)
    ja.post(f"/moves/{move.public_id}/withdraw/", {"request_key": KEY, "procedure": "hokkaido-gas-start"})
    # What is withdrawn before it went out is no longer counted among the applications to send.
    assert "送付する申請 5 件のうち" in text(ja.get(f"/moves/{move.public_id}/"))
    statuses = dict(MoveProcedure.objects.filter(move=move).values_list("version__procedure__slug", "status"))
    assert statuses["hokkaido-gas-start"] == ProcedureStatus.WITHDRAWN
    assert statuses["hepco-electricity-start"] == ProcedureStatus.QUEUED


def test_a_correction_keeps_what_was_typed_on_an_error_and_then_goes(ja, move):
    url = f"/moves/{move.public_id}/correct/"
    form = text(ja.get(url))
    key = re.search(r'name="request_key" value="([^"]+)"', form).group(1)
    fields = dict(re.findall(r'<input[^>]*name="((?:contact|proc-)[^"]+)"[^>]*value="([^"]*)"', form))
    assert fields["contact-phone"] == "090-1234-5678"
    bad = {**fields, "request_key": key, "contact-phone": "電話ください", "proc-hokkaido-gas-start-visit_slot": "pm"}
    response = ja.post(url, bad)
    assert response.status_code == 400
    page = text(response)
    assert 'value="電話ください"' in page and "error-summary" in page
    assert not Notice.objects.filter(delivery__entry__move=move).exists()
    good = {**bad, "contact-phone": "011-222-3333"}
    assert ja.post(url, good).status_code == 302
    move.refresh_from_db()
    assert move.applicant["phone"] == "011-222-3333"
    gas = Notice.objects.get(delivery__entry__move=move, delivery__entry__version__procedure__slug="hokkaido-gas-start")
    assert gas.changes == ["applicant.phone", "fields.visit_slot"]
    page = text(ja.get(f"/moves/{move.public_id}/"))
    assert "訂正: 送付前に反映済み" in page and "電話番号" in page
    assert AuditEvent.objects.filter(move=move.public_id, action="correct").count() == 7


def test_someone_else_cannot_withdraw_or_correct(move, django_user_model):
    other = django_user_model.objects.create_user("other@example.jp", "other@example.jp", "pw")
    client = Client()
    client.force_login(other)
    for path in ("withdraw/", "correct/"):
        assert client.get(f"/moves/{move.public_id}/{path}").status_code == 404
        assert client.post(f"/moves/{move.public_id}/{path}", {"procedure": "hokkaido-gas-start"}).status_code == 404
    assert client.post(f"/moves/{move.public_id}/filed/sapporo-move-in/", {"filed": "1"}).status_code == 404
    assert not Notice.objects.exists()


def test_the_result_pdf_says_what_was_withdrawn_and_corrected(ja, move, tmp_path):
    ja.post(f"/moves/{move.public_id}/withdraw/", {"request_key": KEY, "procedure": "hokkaido-gas-start"})
    entry = MoveProcedure.objects.get(move=move, version__procedure__slug="sapporo-water-start")
    from hikkoshi.moves.lifecycle import move_correct

    move_correct(
        move=move,
        user=move.owner,
        request_key="c" * 20,
        values={entry.pk: {**entry.values, "start_date": "2030-01-02"}},
    )
    pdf = ja.get(f"/moves/{move.public_id}/documents/result.pdf")
    assert pdf.status_code == 200
    path = tmp_path / "result.pdf"
    path.write_bytes(pdf.content)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "取下げ済み" in out and "訂正あり" in out


def test_the_record_dates_a_move_by_the_day_in_japan(move):
    from datetime import date, datetime, timezone as tz

    from hikkoshi.moves.models import Move
    from hikkoshi.moves.selectors import move_record

    # 01:30 on 21 March in Japan is still the 20th in UTC.
    Move.objects.filter(pk=move.pk).update(submitted_at=datetime(2026, 3, 20, 16, 30, tzinfo=tz.utc))
    move.refresh_from_db()
    assert move_record(move).submitted_at == date(2026, 3, 21)


def test_my_moves_say_what_was_withdrawn(ja, move, mover):
    other = move_submit(owner=mover, payload=sapporo_relocation())
    ja.post(f"/moves/{move.public_id}/withdraw/", {"request_key": KEY, "procedure": "hokkaido-gas-start"})
    page = text(ja.get("/moves/"))
    assert "申請済み（一部取下げ）" in page
    everything = [e.version.procedure.slug for e in other.procedures.all()]
    ja.post(f"/moves/{other.public_id}/withdraw/", {"request_key": "z" * 20, "procedure": everything})
    page = text(ja.get("/moves/"))
    assert re.search(r'<span class="status">取下げ済み</span>', page)
    assert "申請済み（一部取下げ）" in page


def test_the_withdrawal_page_names_the_office_a_counter_procedure_goes_to(ja, move):
    """A counter procedure (転居届) goes to the ward office of the address, as on the result
    page, not to the city hall; and the way back reads as keeping the application."""
    form = text(ja.get(f"/moves/{move.public_id}/withdraw/"))
    counter = [e for e in MoveProcedure.objects.filter(move=move) if e.status == ProcedureStatus.IN_PERSON and e.office]
    assert counter
    for entry in counter:
        assert f"{entry.version.localised_name} — {entry.office['name']}" in form
    assert "本庁舎" not in form
    assert "取り下げない" in form and "削除しない" not in form
