"""The application's data as staff read it (申請データの項目名): each value under its label in Japanese
with English beside it, not under the JSON's keys; keys not known here shown as they arrived."""

from hikkoshi.receiver.labels import rows

from .test_receiver import APPLICATION


def _by_key(data) -> dict[str, tuple[str, str, str, str]]:
    return {row.key: (row.ja, row.en, row.unknown, row.value) for row in rows(data)}


def test_every_known_key_has_its_label_in_japanese_and_in_english():
    found = _by_key({**APPLICATION, "move_date": "2025-03-28", "number": "HK-2025-0001"})
    assert found["applicant.name"] == ("申請者 › 氏名", "Applicant › Name", "", "札幌 太郎")
    assert found["applicant.name_kana"][:2] == ("申請者 › ふりがな", "Applicant › Reading (kana)")
    assert found["applicant.birth_date"][:2] == ("申請者 › 生年月日", "Applicant › Date of birth")
    assert found["move_date"] == ("引越し日", "Moving day", "", "2025-03-28")
    assert found["number"][:2] == ("申請番号", "Application number")
    assert found["from.address"] == ("旧住所 › 住所", "Old address › Address", "", "東京都千代田区千代田1-1")
    assert found["to.postcode"][:2] == ("新住所 › 郵便番号", "New address › Postal code")
    assert found["procedure.name"][:2] == ("手続き › 手続きの名称", "Procedure › Name of the procedure")
    # Nested lists: numbered from 1 for people, the key still the CSV's column.
    assert found["members.0.relationship"] == (
        "世帯員 1 › 世帯主との続柄",
        "Household member 1 › Relationship to the head of household",
        "",
        "妻",
    )
    # No row of the page shows a bare JSON key where a label is known.
    assert all(ja and en for key, (ja, en, _, _) in found.items() if not key.startswith("fields."))


def test_unknown_keys_are_shown_as_they_arrived():
    found = _by_key({**APPLICATION, "meter": {"number": "A-12"}, "kinds": ["tennyu", "tenkyo"]})
    # A procedure's own field: the section's label, then its key.
    assert found["fields.start_date"] == ("入力項目", "Fields", "start_date", "2025-03-28")
    # A key this receiver does not know at all: the key alone.
    assert found["meter.number"] == ("", "", "meter.number", "A-12")
    # A list of plain values on one row.
    assert found["kinds"] == ("異動の種類", "Kind of move", "", "tennyu, tenkyo")


def test_a_correction_reads_as_the_application_it_corrects():
    correction = {
        "format": "hikkoshi.correction/1",
        "application": {"reference": "SAPPORO-WATER-20250301-000001"},
        "changes": ["applicant.phone"],
        "corrected": {"applicant": {"phone": "011-000-0000"}, "members": [{"name": "a"}, {"name": "b", "x": 1}]},
    }
    found = _by_key(correction)
    assert found["application.reference"][:2] == ("対象の申請 › 受付番号", "Application it refers to › Reference")
    assert found["changes"][3] == "applicant.phone"
    assert found["corrected.applicant.phone"][:2] == (
        "訂正後 › 申請者 › 電話番号",
        "As corrected › Applicant › Phone number",
    )
    assert found["corrected.members.1.name"][:2] == (
        "訂正後 › 世帯員 2 › 氏名",
        "As corrected › Household member 2 › Name",
    )
    assert found["corrected.members.1.x"] == ("訂正後 › 世帯員 2", "As corrected › Household member 2", "x", "1")
