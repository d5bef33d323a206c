"""Every kind of page in a real browser at 1280 px, at 375 px (a phone), at 200 % text size and at
320 px: no horizontal scrolling (WCAG 1.4.4 / 1.4.10, JIS X 8341-3:2016 AA), the first field of each
wizard step above the fold on a phone (in Japanese, English and やさしい日本語), a visible focus, and
axe-core clean (WCAG 2.2 A/AA).

The public pages, provider search, sign-in and sign-up, the account page, "my moves", every step
of the wizard, the review, the result, and the staff pages of an estate agency and a call centre.
Uses the fixtures of the wizard's browser test (Debian's chromium, axe-core from ``npm ci``).

``HIKKOSHI_SCREENSHOTS=DIR`` also saves a PNG of the main pages there (the README's come from it).
"""

import io
import os
from pathlib import Path

from django.conf import settings
from django.test import Client
from PIL import Image
import pytest

from hikkoshi.assisted.tests.conftest import _fresh_cache, staff_client, world  # noqa: F401
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.moves.tests.test_browser import Checker, browser_page  # noqa: F401
from hikkoshi.moves.tests.test_pages import details_post, soon, through_people
from hikkoshi.portal.models import News

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# (name, viewport, root font size): text size 200 % as a browser's text-size setting does it (every
# size of the stylesheet is in rem); 320 px is WCAG's reflow width.
MODES = [
    ("1280", {"width": 1280, "height": 800}, None),
    ("375", {"width": 375, "height": 667}, None),
    ("text200", {"width": 1280, "height": 800}, "200%"),
    ("320", {"width": 320, "height": 640}, None),
]
FIRST_FIELD = (
    "main form.wizard :is(input:not([type=hidden]), select, textarea)"
    ", main form#step-form :is(input:not([type=hidden]), select, textarea)"
)


class Layout:
    def __init__(self, page, shots: Path | None):
        self.page = page
        self.axe = Checker(page)
        self.shots = shots
        self.seen: list[str] = []

    def __call__(self, what: str, *, wizard_step: bool = False, shot: str = "") -> None:
        page = self.page
        for mode, viewport, text_size in MODES:
            page.set_viewport_size(viewport)
            page.evaluate("size => document.documentElement.style.fontSize = size || ''", text_size)
            if shot and self.shots and mode in ("1280", "375"):
                page.screenshot(path=str(self.shots / f"{shot}-{mode}.png"), full_page=False)
            overflow = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert overflow[0] <= overflow[1], f"{what} at {mode}: scrolls sideways ({overflow[0]} > {overflow[1]} px)"
            if wizard_step and mode == "375":
                box = page.locator(FIRST_FIELD).first.bounding_box()
                assert box is not None, f"{what}: no field"
                bottom = box["y"] + box["height"]
                assert bottom <= viewport["height"], f"{what} at 375 px: the first field's bottom at {bottom:.0f} px"
            if mode != "320":
                self.axe(f"{what} at {mode}")
        page.evaluate("() => document.documentElement.style.fontSize = ''")
        page.set_viewport_size(MODES[0][1])
        self.seen.append(what)


def select_text_clearance(page, selector: str) -> tuple[int, float, float]:
    """A closed select's text as the browser draws it: how many pixels lie between the text's last
    inked column and the arrow's first, how wide the text's ink is, and how wide the same text is in a
    span of the select's font (the browser hides how it lays out a select's text: this reads two
    screenshots of the control, with its text and with the text made transparent — which hides
    the text, not the arrow)."""
    control = page.locator(selector)
    shot = Image.open(io.BytesIO(control.screenshot())).convert("L")
    control.evaluate("el => el.style.webkitTextFillColor = 'transparent'")
    bare = Image.open(io.BytesIO(control.screenshot())).convert("L")
    control.evaluate("el => el.style.webkitTextFillColor = ''")
    width, height = shot.size
    drawn, plain = shot.tobytes(), bare.tobytes()  # one byte per pixel (grey), row after row
    text = [
        x for x in range(width) if any(abs(drawn[y * width + x] - plain[y * width + x]) > 40 for y in range(height))
    ]
    inset = 3  # the border and its rounded corners
    arrow = [
        x for x in range(inset, width - inset) if any(plain[y * width + x] < 128 for y in range(inset, height - inset))
    ]
    assert text and arrow, f"{selector}: no text ({len(text)}) or no arrow ({len(arrow)}) seen"
    typeset = control.evaluate(
        "el => { const s = document.createElement('span'), o = el.options[el.selectedIndex], cs = getComputedStyle(el);"
        " s.textContent = o.text; s.lang = o.lang; s.style.font = cs.font; s.style.letterSpacing = cs.letterSpacing;"
        " s.style.whiteSpace = 'pre'; s.style.position = 'absolute'; document.body.append(s);"
        " const w = s.getBoundingClientRect().width; s.remove(); return w; }"
    )
    return min(arrow) - max(text) - 1, max(text) - min(text) + 1, typeset


def assert_focus_ring_on_every_kind_of_control(page, *, tabs: int) -> None:
    """WCAG 2.4.7 / 2.4.11: Tab (at most ``tabs`` times) to a link, a field, a select and a button;
    each gets DADS's ring (a 4 px outline). The portal's pages and the receiver's alike."""
    seen = set()
    for _ in range(tabs):
        page.keyboard.press("Tab")
        tag, outline = page.evaluate(
            "() => { const el = document.activeElement; const s = getComputedStyle(el);"
            " return [el.tagName, s.outlineStyle + ' ' + s.outlineWidth]; }"
        )
        if tag in ("A", "INPUT", "SELECT", "BUTTON"):
            assert outline == "solid 4px", f"{tag} focused without a visible ring: {outline}"
            seen.add(tag)
        if seen == {"A", "INPUT", "SELECT", "BUTTON"}:
            return
    raise AssertionError(f"only reached {seen}")


def assert_select_text_shown_whole(page, selector: str, what: str) -> None:
    """The chosen option's text shown whole, clear of the arrow by at least 8 px (issue 12: at
    375 px 「やさしい にほんご」 ran into the arrow of the language switch)."""
    gap, ink, typeset = select_text_clearance(page, selector)
    assert ink >= typeset - 4, f"{what}: the text is cut ({ink} px of ink shown, {typeset:.0f} px typeset)"
    assert gap >= 8, f"{what}: the text ends {gap} px before the arrow"


def _sign_in(page, url: str, client: Client) -> None:
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "url": url,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            }
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_every_page_reflows_zooms_and_passes_axe(sapporo, world, live_server, browser_page):
    page, url = browser_page, live_server.url
    shots = Path(os.environ["HIKKOSHI_SCREENSHOTS"]) if os.environ.get("HIKKOSHI_SCREENSHOTS") else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    check = Layout(page, shots)
    news = News.objects.create(
        title="年末年始の窓口について", title_en="Counters over the New Year", body="12月29日から1月3日まで"
    )

    # Public pages, signed out.
    page.goto(f"{url}/")
    check("the top page", shot="home")
    page.goto(f"{url}/search/?postcode=060-0042")
    check("provider search", shot="search")
    page.goto(f"{url}/search/?postcode=06O-0042")
    check("provider search with an error")
    page.goto(f"{url}/offices/")
    check("city and ward offices")
    page.goto(f"{url}/news/{news.pk}/")
    check("a news item")
    for slug in ("about", "flow", "terms", "notes", "privacy", "contact", "operators"):
        page.goto(f"{url}/pages/{slug}/")
        check(f"the {slug} page")
    page.goto(f"{url}/accounts/login/")
    check("sign in")
    page.goto(f"{url}/accounts/signup/")
    check("sign up")

    # A mover: a draft through every step (the steps can only be visited in order), and a move submitted.
    mover = Client()
    mover.force_login(world.mover)
    base = through_people(mover)
    assert mover.post(base + "details/", details_post(soon()))["Location"] == base + "review/"
    submitted = move_submit(owner=world.mover, payload=sapporo_relocation())
    _sign_in(page, url, mover)
    page.goto(f"{url}/accounts/")
    check("the account page")
    page.goto(f"{url}/moves/")
    check("my moves")
    for step in ("places", "procedures", "people", "details"):
        page.goto(f"{url}{base}{step}/")
        check(f"the wizard's {step} step", wizard_step=True, shot=f"step-{step}")
    page.goto(f"{url}{base}places/?errors=1")
    page.fill("#id_from-postcode", "06O-0042")
    with page.expect_navigation():
        page.press("#id_from-postcode", "Enter")
    assert page.locator(".error-summary").count() == 1
    check("the places step with an error", shot="step-error")  # the summary comes first, its links lead to the fields
    page.goto(f"{url}{base}review/")
    check("the review", shot="review")
    page.goto(f"{url}/moves/{submitted.public_id}/")
    check("the result", shot="result")

    # Staff: an estate agency's store and a call centre (signed in with their second factor).
    _sign_in(page, url, staff_client(world, world.staff))
    page.goto(f"{url}/agency/")
    check("an agency's staff page")
    page.goto(f"{url}/agency/moves/new/")
    check("an agency's new move")
    _sign_in(page, url, staff_client(world, world.manager))
    page.goto(f"{url}/agency/staff/")
    check("an agency's staff list")
    page.goto(f"{url}/agency/counts/")
    check("an agency's counts")
    _sign_in(page, url, staff_client(world, world.operator))
    page.goto(f"{url}/callcentre/")
    check("a call centre's page", shot="callcentre")
    page.goto(f"{url}/callcentre/moves/new/")
    check("a call centre's new move")

    # In English (longer words in the header and the step bar), signed in as the mover again. The
    # places step still holds the typo typed above, so its error summary comes first there.
    _sign_in(page, url, mover)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": url}])
    page.goto(f"{url}/")
    assert page.evaluate("document.documentElement.lang") == "en"
    check("the top page in English")
    page.goto(f"{url}{base}places/")
    check("the places step in English", shot="step-places-en")
    # Corrected, the places step leads on again: the other steps in English (longer texts).
    page.fill("#id_from-postcode", "060-0042")
    with page.expect_navigation():
        page.press("#id_from-postcode", "Enter")
    assert page.url == f"{url}{base}procedures/"
    for step in ("procedures", "people", "details"):
        page.goto(f"{url}{base}{step}/")
        check(f"the {step} step in English", wizard_step=True, shot=f"step-{step}-en")

    # In やさしい日本語 (the longest labels: before the header folded its menus on a phone it was 440 px
    # tall there and pushed every step's first field below the fold).
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ja-x-easy", "url": url}])
    for step in ("places", "procedures", "people", "details"):
        page.goto(f"{url}{base}{step}/")
        check(f"the {step} step in easy Japanese", wizard_step=True, shot=f"step-{step}-easy")
    # On a phone the menus and the language switch are behind 「メニュー Language」, every link of
    # them reachable and 44 px high.
    page.set_viewport_size(MODES[1][1])
    assert page.locator("details.menu > summary").inner_text().split() == ["メニュー", "Language"]
    assert not page.locator("header.site nav.account").first.is_visible()
    assert not page.locator("#language-select").is_visible()
    page.click("details.menu > summary")
    links = page.locator("header.site .menu-panel :is(nav a, nav button, select, button)")
    # Four pages, my moves, notifications, the account, sign out; the language and its button.
    assert links.count() == 10
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["height"] >= 44, f"{links.nth(i).inner_text()}: {box}"
    assert page.locator("#menu-language-select").is_visible()
    assert page.locator("header.site").bounding_box()["height"] < 667 / 8
    # The longest language name, chosen, shown whole beside the select's arrow: in the menu on a
    # phone and in the header on a wide screen.
    assert page.locator("#menu-language-select option:checked").inner_text() == "やさしい にほんご"
    assert_select_text_shown_whole(page, "#menu-language-select", "the language switch at 375 px")
    page.set_viewport_size(MODES[0][1])
    assert_select_text_shown_whole(page, "#language-select", "the language switch at 1280 px")

    assert len(check.seen) == 38


@pytest.mark.django_db(transaction=True)
def test_the_focus_is_visible_on_every_kind_of_control(sapporo, live_server, browser_page):
    """WCAG 2.4.7 / 2.4.11: Tab to a link, a field, a select and a button; each gets DADS's ring (a 4 px
    black outline)."""
    page, url = browser_page, live_server.url
    page.goto(f"{url}/search/")
    assert_focus_ring_on_every_kind_of_control(page, tabs=40)
