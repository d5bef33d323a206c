"""A call centre's pages: a move for a caller with the consent script, the wizard, the result and
"the forms to mail": one PDF, its cover letter's address in a 長形3号 envelope's window."""

import re

from hikkoshi.assisted.models import AssistedMove
from hikkoshi.audit.models import AuditEvent
from hikkoshi.documents.mailing import BLOCK, WINDOW
from hikkoshi.documents.tests.pdftools import needs_poppler, page_sizes, squeezed, word_boxes

from .conftest import CUSTOMER, base_of_consent, move_at, new_move, staff_client, through_wizard

NO_EMAIL = {
    "name": "札幌 太郎",
    "name_kana": "さっぽろ たろう",
    "birth_date": "S60.5.5",
    "phone": "090-1234-5678",
    "email": "",
}


def first_page_of(pdf: bytes) -> bytes:
    import io

    import pypdfium2 as pdfium

    source, single = pdfium.PdfDocument(pdf), pdfium.PdfDocument.new()
    single.import_pages(source, [0])
    out = io.BytesIO()
    single.save(out)
    return out.getvalue()


def text(response) -> str:
    return response.content.decode()


def submitted_call(world, client=None, **contact):
    client = client or staff_client(world, world.operator, HTTP_ACCEPT_LANGUAGE="en")
    consent_url = new_move(client, "callcentre", **contact)
    assert client.post(consent_url, {"agreed": "on"})["Location"].endswith("/places/")
    base = base_of_consent(consent_url)
    through_wizard(client, base, applicant=NO_EMAIL)
    return client, base, move_at(consent_url)


def test_a_move_for_a_caller_read_from_the_script(world, sapporo):
    client = staff_client(world, world.operator, HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/callcentre/").status_code == 200
    # The script first: nothing about the caller is asked before they agree.
    page = text(client.get("/callcentre/moves/new/"))
    assert "call-script/" in page and 'lang="ja"' in page and 'lang="en"' in page
    assert "同意していただけますか" in page and "Do you agree" in page
    assert 'name="contact-name"' not in page
    response = client.post("/callcentre/moves/new/", {"where": f"c{world.centre.pk}"})
    assert response.status_code == 400 and 'id="id_agreed_error"' in text(response)
    response = client.post("/callcentre/moves/new/", {"where": f"c{world.centre.pk}", "agreed": "on"})
    contact_url = response["Location"]
    assert contact_url.endswith("/contact/")
    base = contact_url.rsplit("contact/", 1)[0]
    consent_url = base + "consent/"
    assisted = move_at(contact_url).assisted
    assert assisted.consent_method == "script" and assisted.consent_recorded_by == world.operator
    assert assisted.consent_version.startswith("call-script/") and assisted.contact == {}
    # Then the contact: the wizard waits for it.
    assert client.get(base + "places/")["Location"] == contact_url
    # The mailing address is required for a call centre, and checked against the postal code.
    response = client.post(contact_url, {"contact-name": "小樽 三郎"})
    assert response.status_code == 400 and 'id="id_contact-postcode_error"' in text(response)
    response = client.post(
        contact_url,
        {"contact-name": "小樽 三郎", "contact-postcode": "060-0042", "contact-address": "札幌市北区北24条西6丁目"},
    )
    assert response.status_code == 400 and "060-0042" in text(response)
    response = client.post(contact_url, {f"contact-{k}": v for k, v in CUSTOMER.items()})
    assert response["Location"] == base + "places/"
    assert move_at(contact_url).assisted.contact["name"] == CUSTOMER["name"]
    # The consent page says it is recorded; sent again, it leads on.
    assert "Read from the script on the phone" in text(client.get(consent_url))
    assert client.post(consent_url, {"agreed": "on"})["Location"] == base + "places/"
    # A caller without an e-mail address.
    through_wizard(client, base, applicant=NO_EMAIL)
    move = move_at(consent_url)
    assert move.status == "submitted" and move.applicant.get("email") in (None, "")
    page = text(client.get(base))
    assert "Read from the script on the phone" in page
    assert f'href="/callcentre/moves/{move.public_id}/mailing.pdf"' in page
    assert ("consent", "operator") in set(AuditEvent.objects.filter(move=move.public_id).values_list("action", "role"))


def test_operators_see_their_centre_only(world, sapporo):
    _client, _base, move = submitted_call(world)
    other = staff_client(world, world.other_operator)
    assert CUSTOMER["name"] not in text(other.get("/callcentre/"))
    assert CUSTOMER["name"] not in text(other.post("/callcentre/", {"q": "小樽"}))
    for path in ("", "review/", "documents/result.pdf", "mailing.pdf", "consent/", "contact/", "delete/"):
        assert other.get(f"/callcentre/moves/{move.public_id}/{path}").status_code == 404, path
    assert AssistedMove.objects.count() == 1


@needs_poppler
def test_the_forms_to_mail_are_one_pdf_with_the_address_in_the_window(world, sapporo):
    client, _base, move = submitted_call(world)
    response = client.get(f"/callcentre/moves/{move.public_id}/mailing.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    pdf = response.content
    sizes = page_sizes(pdf)
    assert all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for w, h in sizes)  # A4 throughout
    cover = squeezed(pdf, page=1)
    for expected in (
        "引越し手続きの書類をお送りします",
        "同封書類",
        "住民異動届（転居届）",
        "申請控え",
        "署名",
        "北区役所",
        "hikkoshi",
        "テスト引越しコールセンター",
        "ポータルから送った手続き",
        "北海道電力",
    ):
        assert expected in cover, expected
    whole = squeezed(pdf)
    assert "住民異動届" in whole and "申請控え" in whole and whole.count("持ち物・届出先") >= 1
    assert len(sizes) >= 4  # cover, the form and its guide, the copy

    # Every word of the address block lies inside the window of a 長形3号 envelope (mm → pt).
    x, t, w, h = WINDOW
    mm = 72 / 25.4
    first_page = [b for b in word_boxes(first_page_of(pdf)) if b[2] < 120 * mm and b[3] < 60 * mm]
    words = "".join(b[6] for b in first_page)
    assert "〒060-0042" in words and "小樽" in words and "様" in words and "ハイツ大通" in words
    for _pw, _ph, x0, y0, x1, y1, word in first_page:
        assert x * mm <= x0 and x1 <= (x + w) * mm and t * mm <= y0 and y1 <= (t + h) * mm, word
    bx, bt, bw, bh = BLOCK
    assert x <= bx and bx + bw <= x + w and t <= bt and bt + bh <= t + h

    assert ("print", "operator") in set(
        AuditEvent.objects.filter(move=move.public_id, target="mailing.pdf").values_list("action", "role")
    )


def test_no_forms_to_mail_before_submission(world, sapporo):
    client = staff_client(world, world.operator)
    consent_url = new_move(client, "callcentre")
    move = move_at(consent_url)
    assert client.get(f"/callcentre/moves/{move.public_id}/mailing.pdf").status_code == 404


def test_an_operator_chooses_the_day_of_the_callers_counter_visit(world, sapporo):
    from datetime import timedelta

    from django.utils import timezone

    from hikkoshi.moves.models import MoveProcedure

    client, _base, move = submitted_call(world)
    entry = MoveProcedure.objects.filter(move=move, version__procedure__slug="sapporo-move-in").first()
    assert entry is not None
    url = f"/callcentre/moves/{move.public_id}/visit/sapporo-move-in/"
    assert f'action="{url}"' in text(client.get(f"/callcentre/moves/{move.public_id}/"))
    day = max(filter(None, (entry.deadline_from, timezone.localdate()))) + timedelta(days=1)
    other = staff_client(world, world.other_operator)
    assert other.post(url, {"visit_on": day.isoformat()}).status_code == 404
    response = client.post(url, {"visit_on": day.isoformat()})
    assert response["Location"] == f"/callcentre/moves/{move.public_id}/#entry-sapporo-move-in"
    entry.refresh_from_db()
    assert entry.visit_on == day
    assert AuditEvent.objects.filter(move=move.public_id, action="visit").count() == 1


@needs_poppler
def test_the_cover_letter_gives_the_centres_phone_each_deadline_and_the_portal(world, sapporo, settings):
    """The letter mailed to a caller: the centre's phone number (set by the administrators, or
    the portal's help desk), each form's deadline worked out from the moving day, the portal's
    real address, and never that a 転入届 or 転居届 can be posted."""
    from datetime import timedelta

    from hikkoshi.documents.services import form_procedures
    from hikkoshi.japanese import both
    from hikkoshi.moves.selectors import move_record

    settings.HIKKOSHI_PORTAL_URL = "https://hikkoshi.example.jp/"
    settings.HIKKOSHI_PORTAL_PHONE = ""
    world.centre.phone = "011-555-0123"
    world.centre.save()
    client, _base, move = submitted_call(world)
    cover = squeezed(client.get(f"/callcentre/moves/{move.public_id}/mailing.pdf").content, page=1)
    assert "電話011-555-0123" in cover
    assert "https://hikkoshi.example.jp/" in cover and "127.0.0.1" not in cover
    forms = form_procedures(move_record(move))
    assert forms
    for entry in forms:
        assert entry.deadline_to is not None
        # 転入届・転居届: from the moving day to 14 days after it (the dates of the submission).
        assert entry.deadline_from == move.move_date and entry.deadline_to == move.move_date + timedelta(days=14)
        line = f"期限:{both(entry.deadline_from)}から{both(entry.deadline_to)}まで".replace(" ", "")
        assert line in cover, entry
    # The move's form is a 転居届 (within Sapporo): filed at the counter, never by post.
    assert "郵送もできます" not in cover and "郵送を受け付けている" not in cover
    assert "この届出は郵送では受け付けられません" in cover

    # Without a number of its own: the portal's help desk; without either, no number at all.
    world.centre.phone = ""
    world.centre.save()
    settings.HIKKOSHI_PORTAL_PHONE = "011-555-0199"
    cover = squeezed(client.get(f"/callcentre/moves/{move.public_id}/mailing.pdf").content, page=1)
    assert "電話011-555-0199" in cover
    settings.HIKKOSHI_PORTAL_PHONE = ""
    cover = squeezed(client.get(f"/callcentre/moves/{move.public_id}/mailing.pdf").content, page=1)
    assert not re.search(r"電話\d", cover)


def test_a_move_out_form_may_be_posted_but_never_a_move_in_form():
    from datetime import date

    from hikkoshi.documents.data import ProcedureRecord
    from hikkoshi.documents.mailing import how_to_file

    def entry(notification: str) -> ProcedureRecord:
        return ProcedureRecord(
            slug="x", version=1, name="", name_en="", organisation="", channel="window", status="in_person",
            status_label="", deadline_to=date(2027, 1, 15), form="juminido", notification=notification,
        )  # fmt: skip

    assert "郵送でも届け出られます" in how_to_file(entry("move_out"))
    for notification in ("move_in", "relocation"):
        assert "郵送では受け付けられません" in how_to_file(entry(notification))
        assert "郵送でも" not in how_to_file(entry(notification))


def stored_everywhere() -> str:
    """Every value of every table of the database, and every session decoded, as one text."""
    import json

    from django.contrib.sessions.models import Session
    from django.db import connection

    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            values += [str(value) for row in cursor.fetchall() for value in row]
    values += [json.dumps(s.get_decoded(), ensure_ascii=False, default=str) for s in Session.objects.all()]
    return "\n".join(values)


def test_nothing_about_the_caller_is_stored_before_the_consent(world, sapporo):
    """Until the operator has read the consent script and recorded the caller's agreement, nothing
    about the caller is stored: no move, no record, no search term, no audit event of a move, and
    neither the database nor a session holds what the operator typed."""
    from hikkoshi.assisted.models import NameTerm
    from hikkoshi.moves.models import Move

    client = staff_client(world, world.operator)
    counts = lambda: [m.objects.count() for m in (Move, AssistedMove, NameTerm)]  # noqa: E731
    before = counts()
    caller = {**CUSTOMER, "name": "鷺沢 葵衣", "name_kana": "さぎさわ あおい", "building": "鷺沢ハイツ 808"}
    caller["phone"] = "011-987-6543"
    typed = {f"contact-{k}": v for k, v in caller.items()}
    stored_before = stored_everywhere()
    assert client.get("/callcentre/moves/new/").status_code == 200
    # What an operator might send before the caller agreed: the contact (as the page asked for
    # it first before), with or without the centre, but without the tick.
    client.post("/callcentre/moves/new/", {"contact-where": f"c{world.centre.pk}", **typed})
    client.post("/callcentre/moves/new/", {"where": f"c{world.centre.pk}", **typed})
    assert counts() == before
    assert not AuditEvent.objects.filter(move__isnull=False).exists()
    everything = stored_everywhere()
    for value in ("鷺沢", "葵衣", "さぎさわ", "サギサワ", "011-987-6543", "0119876543", "大通西3丁目", "060-0042"):
        assert everything.count(value) == stored_before.count(value), value

    # Agreed: the move and its consent, still nothing about the caller until they give it.
    contact_url = client.post("/callcentre/moves/new/", {"where": f"c{world.centre.pk}", "agreed": "on"})["Location"]
    move = move_at(contact_url)
    assert move.assisted.consent_recorded and move.assisted.contact == {} and move.applicant in ({}, None)
    assert counts() == [before[0] + 1, before[1] + 1, before[2]]
    assert client.post(contact_url, typed).status_code == 302
    assert move_at(contact_url).assisted.contact["name"] == "鷺沢 葵衣"
    assert NameTerm.objects.filter(move=move).exists()
