"""The versioned consent texts name the foreign residents' data (外国人住民: 国籍・地域, 在留カード等の
番号, 在留資格, 在留期間, 区分) the wizard asks and the 住民異動届 prints: in the call centre's script
and on the agency's consent sheet, under new versions; a consent recorded under an earlier version
keeps its version and its words."""

from hikkoshi.assisted import texts
from hikkoshi.assisted.models import AssistedMove
from hikkoshi.documents.tests.pdftools import needs_poppler, squeezed

from .conftest import move_at, new_move, staff_client

FOREIGN_JA = ("国籍・地域", "在留カード等の番号", "在留資格", "在留期間", "区分", "外国人住民")
FOREIGN_EN = ("nationality or region", "residence card number", "status of residence", "period of stay", "category")


def test_the_current_texts_name_the_foreign_residents_data_and_the_earlier_ones_are_kept():
    for current, earlier in (
        (texts.CALL_SCRIPT, texts.CALL_SCRIPT_2026_12),
        (texts.AGENCY_CONSENT, texts.AGENCY_CONSENT_2026_12),
    ):
        assert current.version != earlier.version
        assert all(word in "".join(current.ja) for word in FOREIGN_JA)
        assert all(word in " ".join(current.en) for word in FOREIGN_EN)
        assert "在留カード" not in "".join(earlier.ja)  # the words agreed to then, unchanged
        assert texts.text_of(earlier.version) is earlier and texts.text_of(current.version) is current
    assert texts.text_of("call-script/1999-01") is None
    assert texts.CALL_SCRIPT.version == "call-script/2026-12-foreign"


def test_the_operator_reads_it_and_the_consent_is_recorded_with_its_version(world, sapporo):
    client = staff_client(world, world.operator, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/callcentre/moves/new/").content.decode()
    assert "在留カード等の番号" in page and "residence card number" in page and texts.CALL_SCRIPT.version in page
    response = client.post("/callcentre/moves/new/", {"where": f"c{world.centre.pk}", "agreed": "on"})
    assisted = move_at(response["Location"]).assisted
    assert assisted.consent_version == "call-script/2026-12-foreign"


def test_a_consent_recorded_under_the_earlier_version_keeps_it(world, sapporo):
    client = staff_client(world, world.operator, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/callcentre/moves/new/", {"where": f"c{world.centre.pk}", "agreed": "on"})
    assisted = move_at(response["Location"]).assisted
    AssistedMove.objects.filter(pk=assisted.pk).update(consent_version="call-script/2026-12")
    consent_page = client.get(response["Location"].rsplit("contact/", 1)[0] + "consent/").content.decode()
    assert "text version call-script/2026-12)" in consent_page
    assert texts.text_of(AssistedMove.objects.get(pk=assisted.pk).consent_version) is texts.CALL_SCRIPT_2026_12


@needs_poppler
def test_the_agency_consent_sheet_names_them(world, sapporo):
    staff = staff_client(world, world.staff)
    consent_url = new_move(staff, "agency")
    words = squeezed(staff.get(consent_url + "sheet.pdf").content)
    for expected in (
        "外国人住民",
        "国籍・地域",
        "在留カード等の番号",
        "在留資格",
        "在留期間",
        "agency-consent/2026-12-foreign",
    ):
        assert expected in words, expected
