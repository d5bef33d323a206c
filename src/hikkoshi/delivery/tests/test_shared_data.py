"""Each organisation gets only the common data its procedure declares (``Procedure.shares``):
in the web payload, the e-mail's text, and the 申込書 of the e-mail and the fax."""

import json
import subprocess

from hikkoshi.delivery.channels.email import body
from hikkoshi.delivery.models import Delivery
from hikkoshi.delivery.services import application_data, build_outgoing
from hikkoshi.documents.application import render_application
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import moving_day, sapporo_relocation

CHILD = {"name": "札幌 一郎", "name_kana": "サッポロ イチロウ", "birth_date": "2019-06-01", "relationship": "子"}


def _move(mover):
    payload = sapporo_relocation()
    payload["members"].append(CHILD)
    payload["procedures"] += [
        {"id": "hokkaido-shimbun-subscription", "fields": {"start_date": moving_day().isoformat()}},
        {"id": "sapporo-property-tax", "fields": {"property_location": "札幌市南区真駒内1-1"}},
    ]
    move = move_submit(owner=mover, payload=payload)
    return {d.entry.version.procedure.slug: d for d in Delivery.objects.filter(entry__move=move)}


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_web_payload_carries_only_the_declared_items(sapporo, mover):
    deliveries = _move(mover)
    start = application_data(deliveries["hokkaido-gas-start"].entry.move, deliveries["hokkaido-gas-start"].entry)
    assert start["format"] == "hikkoshi.application/2"
    assert start["shared"] == ["applicant_name", "applicant_phone", "applicant_email", "new_address", "move_date"]
    assert set(start["applicant"]) == {"name", "name_kana", "phone", "email"}  # no date of birth
    assert "members" not in start and "from" not in start  # nobody else, not the old home
    assert start["to"]["full_address"] == "北海道札幌市北区北24条西6丁目1-1" and start["move_date"]
    assert start["fields"]["visit_slot"] == "am"
    stop = application_data(deliveries["hokkaido-gas-stop"].entry.move, deliveries["hokkaido-gas-stop"].entry)
    assert "from" in stop and "to" in stop  # the final bill goes to the new address
    for slug in ("sapporo-water-stop", "sapporo-water-start", "hepco-electricity-stop", "hepco-electricity-start"):
        sent = json.dumps(application_data(deliveries[slug].entry.move, deliveries[slug].entry), ensure_ascii=False)
        assert "札幌 花子" not in sent and "一郎" not in sent and "1985-05-05" not in sent, slug


def test_the_newspapers_fax_form_has_no_childs_birth_date(sapporo, mover):
    outgoing = build_outgoing(_move(mover)["hokkaido-shimbun-subscription"])
    assert outgoing.shares == {"applicant_name", "applicant_phone", "new_address", "move_date"}
    # The record the channel gets holds nothing else …
    assert outgoing.record.members == () and outgoing.record.applicant.birth_date is None
    assert outgoing.record.email == "" and outgoing.record.old_address.address == ""
    # … and the 申込書 (what the fax carries after its cover) prints only what is shared.
    words = _pdf_text(render_application(outgoing.record, outgoing.entry, outgoing.shares))
    assert "札幌 太郎" in words and "北24条西6丁目" in words and "090-1234-5678" in words
    assert "一郎" not in words and "花子" not in words and "2019" not in words
    assert "生年月日" not in words and "旧住所" not in words and "taro@example.jp" not in words


def test_the_record_a_channel_gets_holds_its_own_procedure_alone(sapporo, mover):
    """No organisation learns of the mover's other procedures or their fields (the newspaper
    does not see the water bureau's visit slot, nor that the mover applied to it)."""
    deliveries = _move(mover)
    assert len(deliveries) > 2
    for slug, delivery in deliveries.items():
        outgoing = build_outgoing(delivery)
        assert [p.slug for p in outgoing.record.procedures] == [slug]
        assert outgoing.record.procedures[0] == outgoing.entry


def test_the_email_and_its_form_carry_only_the_declared_items(sapporo, mover):
    outgoing = build_outgoing(_move(mover)["sapporo-property-tax"])
    assert "members" not in outgoing.shares
    text = body(outgoing)
    assert "札幌 太郎" in text and "旧住所" in text and "新住所" in text
    assert "一郎" not in text and "花子" not in text and "一緒に引越す人" not in text
    words = _pdf_text(render_application(outgoing.record, outgoing.entry, outgoing.shares))
    assert "生年月日" in words  # the property tax identifies its taxpayer
    assert "一郎" not in words and "花子" not in words and "一緒に引っ越す人" not in words


def test_a_move_made_with_a_version_before_the_declarations_still_shows_and_sends_everything(sapporo, mover):
    """Versions are immutable: a stored move keeps the definition it was made with. A version
    written before ``shares``/``required``/``end`` existed (the old 「水道の使用開始・中止」) keeps
    working, and its organisation keeps receiving what it received then."""
    from django.test import Client

    from hikkoshi.catalogue.models import Procedure, ProcedureVersion
    from hikkoshi.moves.models import MoveProcedure

    deliveries = _move(mover)
    move = deliveries["sapporo-water-start"].entry.move
    water = Procedure.objects.get(slug="sapporo-water")  # inactive since the split
    legacy = {
        key: value
        for key, value in water.current_version.definition.items()
        if key not in ("required", "end", "shares")
    }
    version = ProcedureVersion.objects.create(procedure=water, number=99, definition=legacy)
    entry = MoveProcedure.objects.create(
        move=move,
        version=version,
        kinds=["relocation"],
        position=20,
        values={"stop_date": moving_day().isoformat(), "start_date": moving_day().isoformat()},
    )
    data = application_data(move, entry)
    assert data["shared"][0] == "applicant_name" and len(data["shared"]) == 8
    assert data["members"][0]["name"] == "札幌 花子" and data["applicant"]["birth_date"] == "1985-05-05"
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(mover)
    page = client.get(f"/moves/{move.public_id}/").content.decode()
    assert "水道の使用開始・中止" in page
    assert client.get(f"/moves/{move.public_id}/documents/result.pdf").status_code == 200
