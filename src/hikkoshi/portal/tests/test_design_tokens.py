"""The design tokens (デジタル庁デザインシステム) in the portal's CSS: built from the pinned npm package, and
every pair of colours that meets on a page readable (WCAG 2.2 1.4.3 and 1.4.11, JIS X 8341-3:2016 AA),
computed from the tokens' values, not from a browser.

Needs ``npm ci`` (node_modules/@digital-go-jp/design-tokens), as scripts/setup runs.
"""

from pathlib import Path
import re

import pytest

from hikkoshi.design_tokens import (
    RECEIVER_STYLESHEET,
    ROLES,
    TokenError,
    build,
    contrast,
    custom_properties,
    package_dir,
    references,
    resolve,
    roles,
)
from hikkoshi.portal import design_tokens
from hikkoshi.portal.design_tokens import STYLESHEET

ROOT = Path(__file__).resolve().parents[4]
TOKENS = package_dir(ROOT) / "dist" / "tokens.css"
if not TOKENS.exists():
    pytest.skip(f"needs {TOKENS} (npm ci, as scripts/setup runs)", allow_module_level=True)

TEXT, NON_TEXT = 4.5, 3.0  # WCAG 1.4.3 (text at 16 px), 1.4.11 (borders of controls, icons, focus)

# (foreground, background, minimum): every role pair portal.css puts together (the roles are the shared
# ones of hikkoshi/design_roles.css).
PAIRS = [
    # body text, headings, help, links on the page, the footer, tinted panels and banners
    *[
        (fg, bg, TEXT)
        for fg in ("--hk-text", "--hk-text-strong", "--hk-muted", "--hk-link", "--hk-link-visited")
        for bg in ("--hk-bg", "--hk-surface", "--hk-primary-tint", "--hk-warning-tint")
    ],
    ("--hk-text-strong", "--hk-focus-glow", TEXT),  # a focused link
    ("--hk-text-strong", "--hk-error-tint", TEXT),
    ("--hk-link", "--hk-error-tint", TEXT),
    # buttons: solid (white on blue, and its hover), outline (blue on white, and on its hover tint)
    ("--hk-on-primary", "--hk-primary", TEXT),
    ("--hk-on-primary", "--hk-primary-hover", TEXT),
    ("--hk-primary", "--hk-bg", TEXT),
    ("--hk-primary", "--hk-primary-tint", TEXT),
    # errors: messages, the error summary, the 必須 mark, the problem badge
    ("--hk-error", "--hk-bg", TEXT),
    ("--hk-error-strong", "--hk-error-tint", TEXT),
    # badges and the 未確認 mark
    ("--hk-success", "--hk-success-tint", TEXT),
    ("--hk-success", "--hk-bg", TEXT),
    ("--hk-warning", "--hk-bg", TEXT),
    ("--hk-muted", "--hk-surface", TEXT),
    # the banners' icons: white signs on their colour
    ("--hk-on-primary", "--hk-success", TEXT),
    ("--hk-on-primary", "--hk-warning", TEXT),
    ("--hk-on-primary", "--hk-error", TEXT),
    # borders that show where a control is, and the focus ring
    ("--hk-field-line", "--hk-bg", NON_TEXT),
    ("--hk-line", "--hk-bg", NON_TEXT),
    ("--hk-warning", "--hk-warning-tint", NON_TEXT),
    ("--hk-focus", "--hk-bg", NON_TEXT),
    ("--hk-focus", "--hk-focus-glow", NON_TEXT),
    ("--hk-primary", "--hk-bg", NON_TEXT),
    ("--hk-error", "--hk-bg", NON_TEXT),
]


def _properties() -> dict[str, str]:
    """The package's tokens and the roles, read from their one source (not from tokens.css)."""
    return {**custom_properties(TOKENS.read_text()), **roles(), **custom_properties(STYLESHEET.read_text())}


def _colour_roles(names) -> set[str]:
    return {name for name in names if name.startswith("--hk-") and not name.startswith(("--hk-space", "--hk-target"))}


def test_the_contrast_formula_against_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic limit grey
    assert contrast("#777777", "#ffffff") < 4.5


@pytest.mark.parametrize(("fg", "bg", "minimum"), PAIRS, ids=[f"{f}-on-{b}" for f, b, _ in PAIRS])
def test_every_colour_pair_used_is_readable(fg, bg, minimum):
    props = _properties()
    a, b = resolve(fg, props), resolve(bg, props)
    assert re.fullmatch(r"#[0-9a-f]{6}", a) and re.fullmatch(r"#[0-9a-f]{6}", b), (a, b)
    ratio = contrast(a, b)
    assert ratio >= minimum, f"{fg} ({a}) on {bg} ({b}): {ratio:.2f}:1, needs {minimum}:1"


def test_every_colour_role_of_the_stylesheet_is_in_a_checked_pair():
    """A role portal.css starts to use (or declares), or a colour written there without a token, fails
    here until it is paired above: no colour reaches a page unchecked."""
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.DOTALL)
    paired = {name for pair in PAIRS for name in pair[:2]}
    used = _colour_roles(references(css)) | _colour_roles(custom_properties(css))
    assert used - paired == set(), "colour roles never checked for contrast"
    body = re.sub(r":root\s*\{[^}]*\}", "", css)
    literal = re.findall(r"(?:color|background|border[a-z-]*|outline|box-shadow)\s*:[^;]*(#[0-9a-fA-F]{3,6}|rgb)", body)
    assert literal == [], "a colour written without a token"


def test_the_token_file_holds_what_the_stylesheet_uses_from_the_pinned_package(tmp_path):
    built = build(ROOT, STYLESHEET)
    assert "@digital-go-jp/design-tokens 1.1.9" in built  # the version pinned in package-lock.json
    assert "--color-primitive-blue-900: #0017c1;" in built  # DADS's key colour, as the package has it
    assert "--color-primitive-cyan-50" not in built  # only what portal.css uses
    generated = design_tokens.OUTPUT
    assert generated.exists() and generated.read_text() == built, "tokens.css is stale: run scripts/setup"
    # A token the package lacks is refused, naming it.
    sheet = tmp_path / "portal.css"
    sheet.write_text(":root { --hk-x: var(--color-primitive-blue-901); }\na { color: var(--hk-x); }\n")
    with pytest.raises(TokenError, match="--color-primitive-blue-901"):
        build(ROOT, stylesheet=sheet)


def test_the_roles_are_written_once_for_the_portal_and_the_receiver(tmp_path):
    """The --hk-… roles live in design_roles.css only: neither stylesheet declares one, both token
    files carry them after the package's tokens, and a stylesheet that declares one again is refused."""
    shared = roles()
    assert {"--hk-text", "--hk-primary", "--hk-focus", "--hk-space-16", "--hk-target"} <= set(shared)
    for sheet in (STYLESHEET, RECEIVER_STYLESHEET):
        assert not [n for n in custom_properties(sheet.read_text()) if n.startswith("--hk-")], sheet.name
        built = build(ROOT, sheet)
        assert built.index("--color-neutral-white: #ffffff;") < built.index(ROLES.read_text().strip())
        assert all(resolve(name, custom_properties(built)) for name in shared)
    sheet = tmp_path / "portal.css"
    sheet.write_text(":root { --hk-text: var(--color-neutral-black); }\na { color: var(--hk-text); }\n")
    with pytest.raises(TokenError, match="--hk-text again"):
        build(ROOT, stylesheet=sheet)


def test_a_missing_token_file_is_a_warning_of_the_checks(tmp_path, monkeypatch):
    from hikkoshi.portal import checks

    assert checks.design_tokens_built() == []  # built by setup
    monkeypatch.setattr(design_tokens, "OUTPUT", tmp_path / "tokens.css")
    [warning] = checks.design_tokens_built()
    assert warning.id == "hikkoshi.portal.W010" and "scripts/setup" in warning.hint
