import pytest

from hikkoshi.documents import fonts


def test_default_paths_are_debians(settings):
    for name in (fonts.MINCHO, fonts.GOTHIC):
        assert fonts.font_path(name).name in ("ipaexm.ttf", "ipaexg.ttf")


def test_missing_font_names_the_debian_packages(settings, tmp_path):
    settings.HIKKOSHI_FONT_GOTHIC = str(tmp_path / "nowhere.ttf")
    with pytest.raises(fonts.FontMissing) as caught:
        fonts.font_path(fonts.GOTHIC)
    message = str(caught.value)
    assert "fonts-ipaexfont-gothic" in message and "fonts-ipaexfont-mincho" in message
    assert "HIKKOSHI_FONT_GOTHIC" in message


def test_setting_overrides_the_path(settings):
    settings.HIKKOSHI_FONT_MINCHO = fonts.DEFAULT_PATHS[fonts.GOTHIC]
    assert str(fonts.font_path(fonts.MINCHO)).endswith("ipaexg.ttf")


# -- characters IPAex lacks: IPAmj prints them, text stays extractable -------------------------

from dataclasses import replace  # noqa: E402

from hikkoshi.documents.application import render_application  # noqa: E402
from hikkoshi.documents.samples import APPLICANT, NEW, sample_move  # noqa: E402
from hikkoshi.documents.services import render_copy, render_residence_change_form, render_result  # noqa: E402
from hikkoshi.documents.tests import pdftools  # noqa: E402
from hikkoshi.documents.tests.pdftools import needs_poppler  # noqa: E402

YOSHIDA = "𠮷田 髙男"  # 𠮷 is U+20BB7 (outside the BMP), 髙 U+9AD9


def _record(name=YOSHIDA, building="ﾒｿﾞﾝ･ﾄﾞ･ｻｯﾎﾟﾛ 203"):
    record = sample_move()
    return replace(record, applicant=replace(APPLICANT, name=name), new_address=replace(NEW, building=building))


def test_ipaex_lacks_yoshida_and_ipamj_has_it():
    fonts.register_fonts()
    assert "𠮷" not in fonts._common and "髙" in fonts._common
    assert fonts.unprintable(YOSHIDA) == []
    assert fonts.runs(fonts.printable(YOSHIDA), fonts.MINCHO) == [(fonts.FALLBACK, "𠮷"), (fonts.MINCHO, "田 髙男")]


def test_unprintable_names_each_missing_character_once():
    assert fonts.unprintable("😀田😀\U000f0000") == ["😀", "\U000f0000"]
    assert fonts.unprintable("札幌 太郎\nﾒｿﾞﾝ") == []


def test_printable_joins_half_width_kana_and_leaves_missing_characters_blank():
    assert fonts.printable("ﾒｿﾞﾝ･ﾄﾞ･ｻｯﾎﾟﾛ") == "メゾン・ド・サッポロ"
    assert fonts.printable("田😀中") == "田\u3000中"  # blank for handwriting, never ☒ nor 〓
    assert fonts.printable(YOSHIDA) == YOSHIDA


def test_to_unicode_of_characters_outside_the_bmp_is_utf16():
    assert fonts._utf16_hex(0x20BB7) == "D842DFB7"
    assert fonts._utf16_hex(0x9AD9) == "9AD9"


@needs_poppler
@pytest.mark.parametrize(
    "render",
    [
        lambda r: render_residence_change_form(r, next(e for e in r.procedures if e.notification == "move_in")),
        lambda r: render_residence_change_form(r, next(e for e in r.procedures if e.notification == "move_out")),
        render_result,
        render_copy,
        lambda r: render_application(r, next(e for e in r.procedures if e.slug == "doshin-subscription")),
    ],
    ids=["move-in", "move-out", "result", "copy", "application"],
)
def test_names_print_as_typed_and_read_back(render):
    pdf = render(_record())
    text = pdftools.text(pdf)
    assert YOSHIDA in text, text[:400]
    fonts_used = {f["name"].split("+")[-1]: f for f in pdftools.fonts(pdf)}
    assert "IPAmjMincho" in fonts_used  # 𠮷 only
    assert set(fonts_used) <= {"IPAexMincho", "IPAexGothic", "IPAmjMincho"}
    assert all(f["emb"] == "yes" and f["uni"] == "yes" for f in fonts_used.values())


@needs_poppler
def test_half_width_building_prints_full_width_with_dakuten_joined():
    record = _record()
    pdf = render_residence_change_form(record, next(e for e in record.procedures if e.notification == "move_out"))
    page = pdftools.squeezed(pdf, page=1)
    assert "メゾン・ド・サッポロ203" in page
    assert "ｿﾞ" not in page and "ソ゛" not in page


@needs_poppler
def test_a_character_no_font_has_is_left_blank():
    record = _record(name="田😀中 太郎")
    pdf = render_residence_change_form(record, next(e for e in record.procedures if e.notification == "move_in"))
    text = pdftools.text(pdf, page=1)
    assert "田" in text and "😀" not in text and "☒" not in text
    assert "IPAmjMincho" not in {f["name"].split("+")[-1] for f in pdftools.fonts(pdf)}


def test_the_fallback_is_not_parsed_for_text_ipaex_prints(monkeypatch):
    monkeypatch.setattr(fonts, "_fallback_font", None)
    sample = sample_move()
    render_result(sample)
    assert fonts._fallback_font is None


def test_fallback_can_be_turned_off(settings, monkeypatch):
    settings.HIKKOSHI_FONT_FALLBACK = ""
    monkeypatch.setattr(fonts, "_fallback_font", None)
    assert fonts.unprintable(YOSHIDA) == ["𠮷"]
    assert fonts.printable(YOSHIDA) == "\u3000田 髙男"


def test_a_missing_fallback_file_leaves_the_character_blank(settings, monkeypatch, tmp_path):
    settings.HIKKOSHI_FONT_FALLBACK = str(tmp_path / "nowhere.ttf")
    monkeypatch.setattr(fonts, "_fallback_font", None)
    monkeypatch.setattr(fonts, "_fallback_missing", False)
    assert fonts.unprintable(YOSHIDA) == ["𠮷"]  # the review page warns
    pdf = render_result(_record())  # and the document is made, no error
    assert pdf.startswith(b"%PDF")
