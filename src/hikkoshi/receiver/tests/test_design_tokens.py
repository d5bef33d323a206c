"""The receiver's staff pages on the design system's tokens (デジタル庁デザインシステム), as the portal's:
its stylesheet's tokens built from the pinned npm package, every pair of colours that meets on its
pages readable (WCAG 2.2 1.4.3 and 1.4.11, JIS X 8341-3:2016 AA) — computed from the tokens' values
with the shared :func:`hikkoshi.design_tokens.contrast` — and the stylesheet in every page.

Needs ``npm ci`` (node_modules/@digital-go-jp/design-tokens), as scripts/setup runs.
"""

from pathlib import Path
import re

import pytest

from hikkoshi.design_tokens import build, contrast, custom_properties, package_dir, references, resolve, roles
from hikkoshi.receiver import styles

ROOT = Path(__file__).resolve().parents[4]
TOKENS = package_dir(ROOT) / "dist" / "tokens.css"
if not TOKENS.exists():
    pytest.skip(f"needs {TOKENS} (npm ci, as scripts/setup runs)", allow_module_level=True)

TEXT, NON_TEXT = 4.5, 3.0  # WCAG 1.4.3 (text at 16 px), 1.4.11 (borders of controls, badges, focus)

# (foreground, background, minimum): every role pair receiver.css puts together (the roles are the shared
# ones of hikkoshi/design_roles.css, as the portal's).
PAIRS = [
    # text, headings, hints, links and who is signed in, on the page and in the tables' header cells
    *[
        (fg, bg, TEXT)
        for fg in ("--hk-text", "--hk-text-strong", "--hk-muted", "--hk-link", "--hk-link-visited")
        for bg in ("--hk-bg",)
    ],
    ("--hk-text-strong", "--hk-surface", TEXT),
    ("--hk-text-strong", "--hk-focus-glow", TEXT),  # a focused link
    # buttons: solid (and its hover), outline (and its hover tint), the default badge (waiting)
    ("--hk-on-primary", "--hk-primary", TEXT),
    ("--hk-on-primary", "--hk-primary-hover", TEXT),
    ("--hk-primary", "--hk-bg", TEXT),
    ("--hk-primary", "--hk-primary-tint", TEXT),
    # errors at their fields, the sign-in's error banner, the refused badge
    ("--hk-error", "--hk-bg", TEXT),
    ("--hk-error-strong", "--hk-error-tint", TEXT),
    # the sandbox's warning banner and the badges: to act on, done, withdrawn
    ("--hk-text-strong", "--hk-warning-tint", TEXT),
    ("--hk-success", "--hk-success-tint", TEXT),
    ("--hk-muted", "--hk-surface", TEXT),
    # borders that show where a control, a banner or a badge is, and the focus ring
    ("--hk-field-line", "--hk-bg", NON_TEXT),
    ("--hk-line", "--hk-bg", NON_TEXT),
    ("--hk-warning", "--hk-warning-tint", NON_TEXT),
    ("--hk-warning", "--hk-bg", NON_TEXT),
    ("--hk-error", "--hk-error-tint", NON_TEXT),
    ("--hk-focus", "--hk-bg", NON_TEXT),
    ("--hk-focus", "--hk-focus-glow", NON_TEXT),
]


def _properties() -> dict[str, str]:
    """The package's tokens and the roles, read from their one source (not from tokens.css)."""
    return {**custom_properties(TOKENS.read_text()), **roles(), **custom_properties(styles.STYLESHEET.read_text())}


def _colour_roles(names) -> set[str]:
    return {name for name in names if name.startswith("--hk-") and not name.startswith(("--hk-space", "--hk-target"))}


@pytest.mark.parametrize(("fg", "bg", "minimum"), PAIRS, ids=[f"{f}-on-{b}" for f, b, _ in PAIRS])
def test_every_colour_pair_used_is_readable(fg, bg, minimum):
    props = _properties()
    a, b = resolve(fg, props), resolve(bg, props)
    assert re.fullmatch(r"#[0-9a-f]{6}", a) and re.fullmatch(r"#[0-9a-f]{6}", b), (a, b)
    ratio = contrast(a, b)
    assert ratio >= minimum, f"{fg} ({a}) on {bg} ({b}): {ratio:.2f}:1, needs {minimum}:1"


def test_every_colour_role_of_the_stylesheet_is_in_a_checked_pair():
    """A role receiver.css starts to use (or declares), or a colour written there without a token,
    fails here until it is paired above: no colour reaches a staff page unchecked."""
    css = re.sub(r"/\*.*?\*/", "", styles.STYLESHEET.read_text(), flags=re.DOTALL)
    paired = {name for pair in PAIRS for name in pair[:2]}
    used = _colour_roles(references(css)) | _colour_roles(custom_properties(css))
    assert used - paired == set(), "colour roles never checked for contrast"
    body = re.sub(r":root\s*\{[^}]*\}", "", css)
    literal = re.findall(r"(?:color|background|border[a-z-]*|outline|box-shadow)\s*:[^;]*(#[0-9a-fA-F]{3,6}|rgb)", body)
    assert literal == [], "a colour written without a token"
    # Only the design system's tokens and the shared roles are read.
    assert {n for n in re.findall(r"var\(\s*(--[a-z0-9-]+)", body) if not n.startswith("--hk-")} <= set(
        custom_properties(TOKENS.read_text())
    )
    assert {n for n in references(body) if n.startswith("--hk-")} <= set(roles())


def test_the_token_file_holds_what_the_stylesheet_uses_from_the_pinned_package():
    built = build(ROOT, styles.STYLESHEET)
    assert "@digital-go-jp/design-tokens 1.1.9" in built and "the tokens receiver.css uses" in built
    assert "--color-primitive-blue-900: #0017c1;" in built  # DADS's key colour
    assert styles.TOKENS.exists() and styles.TOKENS.read_text() == built, "tokens.css is stale: run scripts/setup"


def test_every_page_carries_the_tokens_and_the_stylesheet_inline(monkeypatch, tmp_path):
    text = styles.stylesheet()
    assert text.index("--color-primitive-blue-900: #0017c1;") < text.index("header.site {")
    assert text.index("--hk-primary: var(--color-primitive-blue-900);") < text.index("header.site {")  # the roles
    assert styles.tokens_built() == []
    monkeypatch.setattr(styles, "TOKENS", tmp_path / "tokens.css")
    [warning] = styles.tokens_built()
    assert warning.id == "hikkoshi.receiver.W001" and "scripts/setup" in warning.hint
