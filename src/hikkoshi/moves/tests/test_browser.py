"""The whole wizard in a real browser (Chromium through Playwright), partly by keyboard alone, with
axe-core checking every page against WCAG 2.2 A/AA.

Needs Debian's ``chromium`` (/usr/bin/chromium) and ``npm ci`` (node_modules/axe-core); the module
is skipped without them. Playwright's own browser downloads are never used.
"""

from datetime import timedelta
from pathlib import Path
import re

from django.core import mail
from django.db import connections
from django.utils import timezone
import pytest

from hikkoshi.moves.models import Move

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[4] / "node_modules" / "axe-core" / "axe.min.js"

if not CHROMIUM.exists() or not AXE.exists():
    pytest.skip(f"needs {CHROMIUM} (Debian package chromium) and {AXE} (npm ci)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the Python package playwright")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _describe(violations) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


class Checker:
    """Runs axe-core on the current page and collects what the browser complained about."""

    def __init__(self, page):
        self.page = page
        self.source = AXE.read_text()
        self.checked = []
        self.console = []
        page.on("console", lambda m: m.type == "error" and self.console.append(m.text))

    def __call__(self, what: str):
        self.page.evaluate(self.source)
        result = self.page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: %r}})" % (AXE_TAGS,))  # noqa: UP031 (JS braces)
        violations = result["violations"]
        assert not violations, f"axe found problems on {what} ({self.page.url}):\n{_describe(violations)}"
        self.checked.append(what)


@pytest.fixture
def browser_page(live_server, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM is only used between calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(locale="ja-JP", viewport={"width": 1024, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def focused(page) -> str:
    return page.evaluate("document.activeElement && (document.activeElement.name || document.activeElement.id)")


def tab_until(page, condition: str, what: str, limit: int = 40) -> None:
    """Press Tab until ``condition`` (JavaScript, on ``el``, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({condition}); }})()"):
            return
    raise AssertionError(f"could not reach {what} with Tab (focus on {focused(page)})")


def tab_to(page, name: str) -> None:
    """Press Tab until the element named (or with the id) ``name`` has the focus."""
    tab_until(page, f"el && (el.name === {name!r} || el.id === {name!r})", name)


def tab_to_button(page, selector: str = "button:not([name])") -> None:
    tab_until(page, f"el && el.matches({selector!r})", selector)


def type_into(page, name: str, text: str) -> None:
    tab_to(page, name)
    page.keyboard.press("ControlOrMeta+a")  # replace what the field holds
    page.keyboard.type(text)


def wareki(day) -> str:
    return f"令和{day.year - 2018}年{day.month}月{day.day}日"


@pytest.mark.django_db(transaction=True)
def test_the_wizard_in_a_browser_by_keyboard_with_axe(sapporo, live_server, browser_page, settings):
    page, url = browser_page, live_server.url
    settings.HIKKOSHI_PORTAL_URL = url + "/"  # the mails' links lead to the portal's address
    axe = Checker(page)
    move_day = timezone.localdate() + timedelta(days=30)

    # "My moves" needs signing in; from the sign-in page to sign up (はじめての方), then back.
    page.goto(f"{url}/moves/")
    page.wait_for_url(f"{url}/accounts/login/?next=/moves/")
    axe("sign-in page")
    page.fill("#id_login", "nobody@example.jp")
    page.fill("#id_password", "not-a-password")
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    assert focused(page) == "error-summary"  # the summary takes the focus
    axe("sign-in page with an error")
    page.click("main a[href^='/accounts/signup/']")
    page.wait_for_url(f"{url}/accounts/signup/?next=%2Fmoves%2F")
    axe("sign-up page")
    page.fill("#id_email", "browser@example.jp")
    page.fill("#id_password1", "odori-nishi-3")
    page.fill("#id_password2", "odori-nishi-3")
    page.press("#id_password2", "Enter")
    page.wait_for_url(f"{url}/accounts/confirm-email/")
    axe("check your mail")
    # The link of the verification mail, then its page's button (a POST) signs in.
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    axe("confirm the e-mail address")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{url}/moves/")
    axe("my moves")

    # Start a move by keyboard: the skip link, then Tab to the button, Enter.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    tab_to_button(page, "form.start button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/places/")
    axe("step 1, empty")
    assert page.get_attribute("nav.steps [aria-current=step]", "href").endswith("/places/")

    # Step 1 by keyboard alone, first with a postal code typo.
    type_into(page, "from-postcode", "06O-0042")
    type_into(page, "from-address", "札幌市中央区大通西3丁目")
    type_into(page, "to-postcode", "001-0024")
    type_into(page, "to-address", "札幌市北区北24条西6丁目1-1")
    type_into(page, "to-building", "ハイツ北 201")
    type_into(page, "move-move_date", wareki(move_day))
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits with the form's first button: continue
    assert page.title().startswith(("エラー: ", "Error: "))
    assert focused(page) == "error-summary"  # the summary takes the focus
    axe("step 1 with an error")
    assert page.input_value("#id_to-building") == "ハイツ北 201"  # nothing typed is lost
    page.keyboard.press("Tab")  # the first link of the summary: to the field in error
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#id_from-postcode"
    page.keyboard.press("Enter")
    type_into(page, "from-postcode", "060-0042")
    tab_to_button(page)  # past the building and date fields to "save and continue" …
    page.keyboard.press("Enter")  # … and press it
    page.wait_for_url("**/procedures/")
    # The browser's Back button after a step that had errors: the step's page again, with what
    # was typed (POST/redirect/GET, never a "resubmit the form?" page).
    page.go_back()
    assert "/places/" in page.url and page.input_value("#id_from-postcode") == "060-0042"
    page.go_forward()
    page.wait_for_url("**/procedures/")

    # Step 2 by keyboard: the move kind is explained; Space ticks the newspaper.
    assert "転居" in page.inner_text("section.move-kind")
    axe("step 2")
    assert page.is_checked("#choice-hokkaido-gas-start-apply")  # pre-selected: it usually applies
    assert page.is_checked("#choice-hokkaido-shimbun-subscription-not_needed")
    tab_to(page, "choice-hokkaido-shimbun-subscription-not_needed")
    page.keyboard.press("ArrowUp")  # a radio group: the arrows choose
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.is_checked("#choice-hokkaido-shimbun-subscription-apply")
    tab_to_button(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/people/")

    # Step 3: who is moving.
    axe("step 3")
    assert page.input_value("#id_applicant-email") == "browser@example.jp"
    for name, value in {
        "name": "札幌 太郎",
        "name_kana": "さっぽろ たろう",
        "birth_date": "S60.5.5",
        "phone": "090-1234-5678",
    }.items():
        page.fill(f"#id_applicant-{name}", value)
    for name, value in {
        "name": "札幌 花子",
        "name_kana": "さっぽろ はなこ",
        "birth_date": "1988-07-07",
        "relationship": "妻",
    }.items():
        page.fill(f"#id_member-0-{name}", value)
    page.focus("button[name=add_member]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("#member-1")
    assert page.input_value("#id_member-0-name") == "札幌 花子"
    axe("step 3 with another row")
    page.press("#id_member-1-name", "Enter")  # Enter in a field continues: the empty row is ignored
    page.wait_for_url("**/details/")

    # Step 4: each procedure's own fields.
    axe("step 4")
    day, before = move_day.isoformat(), (move_day - timedelta(days=1)).isoformat()
    for slug in ("sapporo-water", "hokkaido-gas", "hepco-electricity"):
        page.fill(f"#id_proc-{slug}-stop-stop_date", before)
        page.fill(f"#id_proc-{slug}-start-start_date", day)
    page.fill("#id_proc-hokkaido-shimbun-subscription-start_date", day)
    page.select_option("#id_proc-hokkaido-gas-start-visit_slot", "am")
    page.press("#id_proc-hokkaido-shimbun-subscription-start_date", "Enter")
    page.wait_for_url("**/review/")

    # Step 5: review (which data goes where), agree with Space, then submit by keyboard.
    axe("step 5")
    assert page.locator(".error-summary").count() == 0
    assert "サッポロ" in page.inner_text("main")
    assert "北海道電力" in page.inner_text("#review-flows ~ ul.flows")
    tab_to(page, "consent")
    page.keyboard.press("Space")
    assert page.is_checked("#id_consent")
    page.focus("form.submit button")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: u.rstrip("/").count("/") == 4 and not u.endswith("/review/"))
    assert page.locator("h1").inner_text() in ("申請結果", "Application result")
    assert page.locator("article.procedure").count() == 8
    assert "北区役所" in page.inner_text("main")
    assert page.locator("main a[href$='/documents/result.pdf']").count() == 1
    axe("the result")

    csp = [m for m in axe.console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert not csp, csp
    assert len(axe.checked) == 14

    # The ORM inside Playwright's greenlet gets a connection of its own: close it when done.
    try:
        move = Move.objects.get(owner__username="browser@example.jp")
        assert move.status == "submitted" and move.applicant["name_kana"] == "サッポロ\u3000タロウ"
        assert move.old_address["postcode"] == "0600042"
        assert move.consent_at is not None and move.consent_by.username == "browser@example.jp"
    finally:
        connections.close_all()
