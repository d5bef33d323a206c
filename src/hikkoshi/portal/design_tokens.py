"""The portal's stylesheet and the design system's tokens it uses (デジタル庁デザインシステム).

``static/portal/tokens.css`` is written beside ``portal.css`` by the shared
:mod:`hikkoshi.design_tokens` (which builds the receiver's too) at setup; not kept in git.
``python -m hikkoshi.portal.design_tokens`` still builds them, as ``python -m hikkoshi.design_tokens``.
"""

from __future__ import annotations

import sys

from hikkoshi.design_tokens import PORTAL_STYLESHEET, main, output_of

STYLESHEET = PORTAL_STYLESHEET
OUTPUT = output_of(STYLESHEET)

__all__ = ["OUTPUT", "STYLESHEET"]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
