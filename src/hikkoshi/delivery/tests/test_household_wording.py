"""What an organisation that receives the household (``members``) is told: who the 世帯主 at
the new address is, and that every 続柄 is to that 世帯主 (not to the person filing) — in the
e-mail's text, the web payload and the 申込書."""

import json
import subprocess

import pytest

from hikkoshi.delivery.channels.email import body
from hikkoshi.delivery.models import Delivery
from hikkoshi.delivery.services import application_data, build_outgoing
from hikkoshi.documents.application import render_application
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation

TARO = {"name": "札幌 太郎", "name_kana": "サッポロ タロウ", "birth_date": "1984-04-04", "relationship": ""}
ICHIRO = {"name": "札幌 一郎", "name_kana": "サッポロ イチロウ", "birth_date": "2019-06-01", "relationship": "子"}


@pytest.fixture
def tax_with_household(sapporo, tmp_path):
    """The shipped catalogue, with the property tax (sent by e-mail) receiving the household."""
    from hikkoshi.catalogue.services import catalogue_import
    from hikkoshi.catalogue.tests.conftest import PACKAGE

    data = json.loads((PACKAGE / "catalogue" / "data" / "sapporo.json").read_text())
    for procedure in data["procedures"]:
        if procedure["slug"] == "sapporo-property-tax":
            procedure["shares"] = [*procedure["shares"], "members"]
    path = tmp_path / "household.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    catalogue_import(path=path)


def _tax(mover, household, members=(TARO, ICHIRO)):
    """花子 files; 太郎 (moving with her) or someone already there is the 世帯主."""
    payload = sapporo_relocation(
        applicant={
            "name": "札幌 花子",
            "name_kana": "サッポロ ハナコ",
            "birth_date": "1988-07-07",
            "phone": "090-1234-5678",
            "email": "hanako@example.jp",
            "relationship": "妻",
        },
        members=list(members),
        household=household,
    )
    payload["procedures"].append({"id": "sapporo-property-tax", "fields": {"property_location": "札幌市南区真駒内1-1"}})
    move = move_submit(owner=mover, payload=payload)
    return Delivery.objects.get(entry__move=move, entry__version__procedure__slug="sapporo-property-tax")


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_email_names_the_head_and_says_each_relationship_is_to_the_head(tax_with_household, mover):
    outgoing = build_outgoing(_tax(mover, {"head": "members[0]"}))
    text = body(outgoing)
    assert "世帯主　　: 札幌 太郎（新住所の世帯主。続柄はこの世帯主との続柄）" in text
    assert "申請者の続柄: 妻" in text
    assert "一緒に引越す人（世帯主との続柄）: 札幌 太郎（世帯主）、札幌 一郎（子）" in text


def test_the_web_payload_names_the_head_and_marks_the_heads_row(tax_with_household, mover):
    delivery = _tax(mover, {"head": "members[0]"})
    data = application_data(delivery.entry.move, delivery.entry)
    assert data["household"] == {"head": "members[0]", "head_name": "札幌 太郎", "relationship_to": "head"}
    assert [m["relationship"] for m in data["members"]] == ["世帯主", "子"]
    assert data["applicant"]["relationship"] == "妻"
    # The stored move is not changed by what is sent.
    delivery.entry.move.refresh_from_db()
    assert "relationship" not in delivery.entry.move.members[0] or not delivery.entry.move.members[0]["relationship"]


def test_the_payload_of_a_head_already_living_there(tax_with_household, mover):
    delivery = _tax(mover, {"head": "other", "head_name": "北 一子"}, (dict(TARO, relationship="子の父"), ICHIRO))
    data = application_data(delivery.entry.move, delivery.entry)
    assert data["household"] == {"head": "other", "head_name": "北 一子", "relationship_to": "head"}
    assert data["applicant"]["relationship"] == "妻"
    assert [m["relationship"] for m in data["members"]] == ["子の父", "子"]


def test_the_application_form_prints_the_head_and_the_applicants_relationship(tax_with_household, mover):
    outgoing = build_outgoing(_tax(mover, {"head": "members[0]"}))
    words = _pdf_text(render_application(outgoing.record, outgoing.entry, outgoing.shares))
    lines = words.splitlines()
    assert any("世帯主: 札幌 太郎" in line and "申込者の続柄: 妻" in line for line in lines)
    assert "世帯主との続柄" in words
    assert any("札幌 太郎" in line and "世帯主" in line and "昭和59年" in line for line in lines)
    assert any("札幌 一郎" in line and "子" in line for line in lines)


def test_the_forms_footer_leaves_the_page_number_clear(tax_with_household, mover):
    """The 申込書's footer (portal, 申請番号, 申請ID) is long: it must end before 「1 / 2」 begins."""
    import re

    outgoing = build_outgoing(_tax(mover, {"head": "members[0]"}))
    pdf = render_application(outgoing.record, outgoing.entry, outgoing.shares)
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    words = {
        m.group(3): (float(m.group(1)), float(m.group(2)))
        for m in re.finditer(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', boxes)
    }
    assert words[outgoing.record.id][1] < words["1"][0]  # the id ends before the page number starts
