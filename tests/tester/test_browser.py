"""The tester page in a real browser: Debian's chromium driven by Playwright for Python, against
the real service (uvicorn on a free loopback port, authentication off) started as a subprocess.

`scripts/test` installs chromium (scripts/ensure-apt); Playwright's own browser download is never used.
The test also takes the README's screenshot: into a temporary folder, or over docs/tester.png when
``CDS_UPDATE_SCREENSHOT=1`` is set (so an ordinary run leaves the work tree clean).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import orjson
import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect, sync_playwright

from tests.conftest import REPO_ROOT
from tests.local_server import free_port, wait_ready

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
README_SCREENSHOT = REPO_ROOT / "docs" / "tester.png"
APPROVE = "policy/I.A.3.a-approve-adult-cumulative-300"
PEND_RATIO = "policy/I.A.5-pend-ratio-10.2"  # pends on a 10.2:1 ratio; the proposed dose approves
DENY = "policy/I.A.3.a-deny-cumulative-299"


class Service:
    def __init__(self, base_url: str, data_dir: Path) -> None:
        self.base_url = base_url
        self.data_dir = data_dir

    def feedback_records(self) -> list[dict[str, object]]:
        """The feedback items the service stored, read from its SQLite store (the embedded default)."""
        database = self.data_dir / "cds-service.sqlite3"
        if not database.exists():
            return []
        with closing(sqlite3.connect(database)) as connection:
            rows = connection.execute("SELECT record FROM feedback").fetchall()
        return [orjson.loads(record) for (record,) in rows]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("var")
    environment = {
        **os.environ,
        "CDS_AUTH_REQUIRED": "false",
        "CDS_DATA_DIR": str(data_dir),
        "CDS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log = tmp_path_factory.mktemp("log") / "service.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cds_service", "serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base_url, process, seconds=60, log=log)
        yield Service(base_url, data_dir)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    # A fresh profile (--user-data-dir, which Playwright sets from user_data_dir) for every run.
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


def _sign(page: Page, scenario: str) -> None:
    page.select_option("#scenario", scenario)
    expect(page.locator("#status")).to_have_text("Scenario loaded: sign it.")
    page.click("#sign")
    expect(page.locator("#status")).to_contain_text("Signed: HTTP 200")


def _coverage(page: Page, field: str) -> str:
    return page.locator(f'table.coverage tr[data-field="{field}"] td').inner_text()


def test_a_tester_signs_approve_pend_and_deny_orders_in_a_browser(
    browser: BrowserContext, service: Service, tmp_path: Path
) -> None:
    page = browser.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{service.base_url}/tester")
    expect(page.locator(f'#scenario option[value="{PEND_RATIO}"]')).to_have_text(f"{PEND_RATIO}  [pend]")

    # Deny: a warning card, not covered.
    _sign(page, DENY)
    instructions = page.locator(".card").first
    expect(instructions).to_have_attribute("data-indicator", "warning")
    expect(instructions.locator("h3")).to_contain_text("Dexrazoxane not covered")
    assert _coverage(page, "Covered") == "not-covered"
    assert _coverage(page, "Decision") == "deny"

    # Pend on the dose ratio: the proposed dose, applied and signed again, approves.
    _sign(page, PEND_RATIO)
    expect(page.locator(".card").first.locator("h3")).to_contain_text("needs prior authorization")
    assert _coverage(page, "PA needed") == "auth-needed"
    assert _coverage(page, "Documentation") == "clinical, withpa"
    assert page.locator("#dose-value").input_value() == "510"
    proposal = page.locator(".card", has=page.locator("button.suggestion"))
    proposal_uuid = proposal.get_attribute("data-uuid")
    proposal.locator("button.suggestion").click()
    expect(page.locator("#feedback")).to_contain_text(f"accepted card {proposal_uuid}: recorded")
    assert page.locator("#dose-value").input_value() == "500"
    page.click("#sign")
    expect(page.locator("#status")).to_contain_text("Signed: HTTP 200")
    expect(page.locator(".card").first.locator("h3")).to_contain_text("Dexrazoxane approved")
    assert _coverage(page, "PA needed") == "satisfied"

    # Approve: an info card, the decoded coverage decision, the whole tree beside it.
    _sign(page, APPROVE)
    card = page.locator(".card").first
    expect(card).to_have_attribute("data-indicator", "info")
    expect(card.locator("h3")).to_contain_text("Dexrazoxane approved under CP.PHAR.418")
    expect(card.locator(".detail")).to_contain_text("Approved from")
    assert _coverage(page, "Covered") == "covered"
    assert _coverage(page, "Approval period").count(" to ") == 1
    assert _coverage(page, "Satisfied PA id")
    expect(page.locator("#criteria")).to_contain_text("I.A.3.b.i.1")  # the tree keeps every branch
    expect(page.locator("#criteria")).to_contain_text("MedicationAdministration/")
    page.locator("#developer summary").click()
    expect(page.locator("#timing")).to_contain_text("HTTP 200 in")
    page.locator("#developer summary").click()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot = (
        README_SCREENSHOT if os.environ.get("CDS_UPDATE_SCREENSHOT") == "1" else tmp_path / "tester.png"
    )
    page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000  # a rendered page, not an empty canvas

    # Dismissing a card sends `overridden` feedback, and the service records it.
    dismissed = page.locator(".card").nth(1)
    dismissed_uuid = dismissed.get_attribute("data-uuid")
    dismissed.locator("button.dismiss").click()
    expect(page.locator("#feedback")).to_contain_text(f"overridden card {dismissed_uuid}: recorded")
    outcomes = {(record["card"], record["outcome"]) for record in service.feedback_records()}
    assert (dismissed_uuid, "overridden") in outcomes
    assert (proposal_uuid, "accepted") in outcomes

    # The order form edits the draft: the dose brought to 10:1 by hand approves too.
    _sign(page, PEND_RATIO)
    page.fill("#dose-value", "500")
    page.dispatch_event("#dose-value", "change")
    assert '"value": 500' in page.locator("#request").input_value()
    page.click("#sign")
    expect(page.locator(".card").first.locator("h3")).to_contain_text("Dexrazoxane approved")

    # Card Markdown is rendered without letting markup or script URLs through.
    rendered = page.evaluate(
        "renderMarkdown('<img src=x onerror=alert(1)> **bold** [a](javascript:alert(1)) [b](https://x.org/?q=1&r=\"2)')"
    )
    assert "<img" not in rendered and 'href="javascript' not in rendered
    assert "[a](javascript:alert(1))" in rendered  # left as text
    assert "&lt;img src=x onerror=alert(1)&gt; <strong>bold</strong>" in rendered
    assert (
        '<a href="https://x.org/?q=1&amp;r=&quot;2" target="_blank" rel="noopener noreferrer">b</a>'
        in rendered
    )

    # The documentation form: the pre-filled $questionnaire-package, readable.
    _sign(page, PEND_RATIO)
    page.click("button.questionnaire-open")
    expect(page.locator("form.questionnaire")).to_contain_text("I.A.5.b")

    assert errors == []


def test_escaped_chart_text_is_shown_as_written_on_the_tester_page(
    browser: BrowserContext, service: Service
) -> None:
    """What the service escapes (response/markdown.py) the page's renderer shows as the text it was:
    no element from the record, no backslash or character reference left over."""
    from cds_service.response.markdown import escape_markdown

    page = browser.new_page()
    page.goto(f"{service.base_url}/tester")
    written = "Review <img src=x onerror=alert(1)> **x** _y_ [a](https://evil.example) a|b `c` &amp; \\ 5 > 3"
    shown = page.evaluate(
        """(markdown) => {
            const box = document.createElement("div");
            box.innerHTML = renderMarkdown(markdown);
            return {text: box.textContent, elements: Array.from(box.querySelectorAll("*"), e => e.tagName)};
        }""",
        f"- **I.A.5.b** {escape_markdown(written)}: **met**",
    )
    assert shown["text"] == f"I.A.5.b {written}: met"
    assert shown["elements"] == ["UL", "LI", "STRONG", "STRONG"]


def test_a_tester_walks_a_scenario_through_select_sign_and_dispatch(
    browser: BrowserContext, service: Service
) -> None:
    """As an EHR fires them: order-select while the order is chosen (one provisional card, no coverage
    information), order-sign, then order-dispatch of the signed order (the assertion made at signing)."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{service.base_url}/tester")
    page.select_option("#scenario", APPROVE)
    expect(page.locator("#status")).to_have_text("Scenario loaded: sign it.")
    expect(page.locator("#dispatch")).to_be_disabled()  # nothing signed yet
    page.click("#walk")
    expect(page.locator("#status")).to_contain_text("Dispatched: HTTP 200")

    stages = page.locator("#workflow li")
    expect(stages).to_have_count(3)
    hooks = [stages.nth(i).get_attribute("data-hook") for i in range(3)]
    assert hooks == ["order-select", "order-sign", "order-dispatch"]
    assert [stages.nth(i).get_attribute("data-status") for i in range(3)] == ["200", "200", "200"]
    expect(stages.nth(0)).to_contain_text("Provisional: dexrazoxane likely approved")
    assert stages.nth(0).get_attribute("data-assertion") == ""  # no coverage information at selection
    signed_id = stages.nth(1).get_attribute("data-assertion")
    assert signed_id and stages.nth(2).get_attribute("data-assertion") == signed_id

    # What the pharmacy's EHR shows at dispatch: the signed assertion, and that nothing changed since.
    card = page.locator(".card").first
    expect(card.locator(".detail")).to_contain_text("Unchanged since")
    assert _coverage(page, "Assertion id") == signed_id
    assert _coverage(page, "PA needed") == "satisfied"
    assert _coverage(page, "Order").startswith("MedicationRequest/")

    # A card dismissed at dispatch is feedback to the dispatch service.
    dismissed_uuid = card.get_attribute("data-uuid")
    card.locator("button.dismiss").click()
    expect(page.locator("#feedback")).to_contain_text(f"overridden card {dismissed_uuid}: recorded")
    services = {record["card"]: record.get("service") for record in service.feedback_records()}
    assert services[dismissed_uuid] == "dexrazoxane-order-dispatch"

    # The hooks one at a time: Select on a pending ratio shows one provisional warning card.
    page.select_option("#scenario", PEND_RATIO)
    expect(page.locator("#status")).to_have_text("Scenario loaded: sign it.")
    page.click("#select")
    expect(page.locator("#status")).to_contain_text("Selected: HTTP 200")
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card").first).to_have_attribute("data-indicator", "warning")
    expect(page.locator("#coverage")).to_be_empty()
    assert errors == []
