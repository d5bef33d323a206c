"""The Digital Agency design system's tokens (デジタル庁デザインシステムのデザイントークン) in the pages' CSS.

A shared library of the portal and of the receiver (``hikkoshi receiver``, a Django project of its
own that imports no portal app): both style their pages with the same tokens.

The tokens come from the npm package ``@digital-go-jp/design-tokens``, pinned in package-lock.json
and installed by ``npm ci`` (scripts/setup). Its ``dist/tokens.css`` declares every colour, type
size, line height, weight and radius of the system as CSS custom properties. :func:`build` writes,
beside each stylesheet of :data:`STYLESHEETS`, a ``tokens.css`` holding only the tokens that
stylesheet refers to (and those they refer to in turn), with the package's name, version and
licence on top, then the design roles of :data:`ROLES`. Those files are generated at setup and not kept
in git; a token a stylesheet names that the package lacks is an error (a typo, or a token renamed by a
new version of the package).

The roles (``--hk-text``, ``--hk-primary``, …, and the ``--hk-space-N`` spacing scale) say which token
is used for what. They are written once, in ``design_roles.css`` beside this module, for both
stylesheets: a stylesheet that declares one of them again is an error, and the contrast tests read
them from :func:`roles`.

:func:`contrast` is WCAG 2.2's contrast ratio, for the tests that check every pair of colours a
stylesheet puts together.

Run as ``python -m hikkoshi.design_tokens`` (scripts/setup does), from the project's root. No
Django needed: it reads and writes files only.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import sys

PACKAGE = "@digital-go-jp/design-tokens"
HERE = Path(__file__).resolve().parent
# The stylesheets built with the tokens: the portal's, and the receiver's staff pages'.
PORTAL_STYLESHEET = HERE / "portal" / "static" / "portal" / "portal.css"
RECEIVER_STYLESHEET = HERE / "receiver" / "static" / "receiver" / "receiver.css"
STYLESHEETS = (PORTAL_STYLESHEET, RECEIVER_STYLESHEET)
# The roles both stylesheets use, put into each tokens.css.
ROLES = HERE / "design_roles.css"

_DECLARATION = re.compile(r"(--[a-z0-9-]+)\s*:\s*([^;]+);")
_REFERENCE = re.compile(r"var\(\s*(--[a-z0-9-]+)")
_ROOT_BLOCK = re.compile(r":root\s*\{([^}]*)\}")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


class TokenError(Exception):
    """A stylesheet names a token the package does not have, or the package is missing."""


def output_of(stylesheet: Path) -> Path:
    """Where the tokens of ``stylesheet`` are written: ``tokens.css`` beside it."""
    return stylesheet.with_name("tokens.css")


def custom_properties(css: str) -> dict[str, str]:
    """The custom properties declared in the ``:root`` blocks of ``css``, name → value as written."""
    found: dict[str, str] = {}
    for block in _ROOT_BLOCK.findall(_COMMENT.sub("", css)):
        for name, value in _DECLARATION.findall(block):
            found[name] = value.strip()
    return found


def references(css: str) -> set[str]:
    """The custom properties ``css`` reads with ``var(--…)``."""
    return set(_REFERENCE.findall(_COMMENT.sub("", css)))


def resolve(name: str, properties: dict[str, str], _seen: frozenset[str] = frozenset()) -> str:
    """The value of ``name`` with every ``var(--x)`` it holds replaced by x's value (a colour such as
    ``#0017c1``, a size such as ``1rem``)."""
    if name in _seen:
        raise TokenError(f"{name} refers to itself")
    try:
        value = properties[name]
    except KeyError:
        raise TokenError(f"{name} is not defined") from None
    return re.sub(r"var\(\s*(--[a-z0-9-]+)\s*\)", lambda m: resolve(m.group(1), properties, _seen | {name}), value)


def roles() -> dict[str, str]:
    """The design roles of :data:`ROLES`, name → value as written (``var(--color-…)``, ``.25rem``)."""
    return custom_properties(ROLES.read_text())


def package_dir(root: Path) -> Path:
    return root / "node_modules" / Path(*PACKAGE.split("/"))


def build(root: Path, stylesheet: Path = PORTAL_STYLESHEET) -> str:
    """The text of tokens.css for ``stylesheet``, from the package installed under ``root``: the tokens
    the stylesheet and the roles use, then the roles."""
    package = package_dir(root)
    source = package / "dist" / "tokens.css"
    if not source.exists():
        raise TokenError(f"{source} is missing: run `npm ci` (scripts/setup does)")
    version = json.loads((package / "package.json").read_text())["version"]
    tokens = custom_properties(source.read_text())
    own = stylesheet.read_text()
    shared_text = ROLES.read_text()
    shared = custom_properties(shared_text)
    again = sorted(set(custom_properties(own)) & set(shared))
    if again:
        raise TokenError(f"{stylesheet.name} declares {', '.join(again)} again: the roles are in {ROLES.name}")
    defined_here = {**shared, **custom_properties(own)}
    wanted: set[str] = set()
    todo = [name for name in references(own) if name not in defined_here]
    for value in defined_here.values():
        todo += [name for name in _REFERENCE.findall(value) if name not in defined_here]
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        if name not in tokens:
            raise TokenError(f"{stylesheet.name} uses {name}, which {PACKAGE} {version} does not define")
        wanted.add(name)
        todo += _REFERENCE.findall(tokens[name])
    lines = [
        f"/* Generated by hikkoshi.design_tokens from {PACKAGE} {version} (MIT License,",
        f" * Copyright (c) 2023 デジタル庁): the tokens {stylesheet.name} uses, then the roles of {ROLES.name}.",
        " * Do not edit; scripts/setup rebuilds it. */",
        ":root {",
        *(f"  {name}: {tokens[name]};" for name in sorted(wanted)),
        "}",
        shared_text.rstrip("\n"),
        "",
    ]
    return "\n".join(lines)


def _luminance(hex_colour: str) -> float:
    """The relative luminance of an sRGB colour #rrggbb (WCAG 2.2's definition)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.2's contrast ratio of two colours #rrggbb (1 to 21)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0] if argv else ".").resolve()
    for stylesheet in STYLESHEETS:
        try:
            text = build(root, stylesheet)
        except TokenError as e:
            sys.stderr.write(f"design tokens: {e}\n")
            return 1
        output = output_of(stylesheet)
        if not output.exists() or output.read_text() != text:
            output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
