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
