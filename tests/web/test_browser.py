"""A real browser (Debian's chromium, headless, driven by Selenium) on a real `story serve`.

Each test saves a screenshot of the pages it saw in its own tmp_path (the test's output).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_helpers import BY, IDS
from web_server import Server, serving

from domain.updates import Update
from storage.archive import open_archive

pytestmark = pytest.mark.slow
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless chromium (as root it needs --no-sandbox); Selenium must not download."""
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("the browser tests need chromium and chromium-driver (apt-get install them)")
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def server(web_db: str) -> Iterator[Server]:
    with serving(web_db) as running:
        yield running


def console_errors(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def arrived(driver: Any, part: str) -> None:
    """Wait for a click or submit to finish navigating: it returns before the new page loads."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda d: part in d.current_url)


def shot(driver: Any, folder: Path, name: str) -> None:
    driver.save_screenshot(str(folder / f"{name}.png"))


def test_a_reader_follows_a_story_picks_a_date_and_opens_a_diff_and_blame(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/")
    browser.get_log("browser")  # start the console afresh
    shot(browser, tmp_path, "stories")
    browser.find_element(By.LINK_TEXT, "shotspotter").click()
    arrived(browser, "/stories/shotspotter")

    assert browser.find_element(By.CSS_SELECTOR, "h1.headline").text.startswith(
        "Chicago ShotSpotter technology will not be turned off"
    )
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.timeline li")) == 9
    shot(browser, tmp_path, "story")

    as_of = browser.find_element(By.ID, "as_of")
    as_of.send_keys("02132024")  # the date picker, typed as a person would (en-US)
    as_of.submit()
    arrived(browser, "as_of=2024-02-13")
    assert "version 3 of 9" in browser.find_element(By.CSS_SELECTOR, ".banner").text
    assert browser.find_element(By.CSS_SELECTOR, "h1.headline").text == (
        "Mayor Johnson announces a ShotSpotter decommission plan"
    )
    shot(browser, tmp_path, "as-of")

    browser.find_element(By.LINK_TEXT, "Diff").click()
    arrived(browser, "/diff")
    for name, update_id in (("from", IDS[1]), ("to", IDS[6])):
        browser.find_element(By.CSS_SELECTOR, f"#{name} option[value='{update_id}']").click()
    browser.find_element(By.CSS_SELECTOR, "form.diff-form button").click()
    arrived(browser, f"to={IDS[6]}")
    inserted = browser.find_elements(By.CSS_SELECTOR, "table.side-by-side td.new ins")
    assert inserted
    assert inserted[0].text.startswith("CHICAGO (WLS)")
    assert inserted[0].value_of_css_property("background-color") == "rgba(214, 245, 220, 1)"
    shot(browser, tmp_path, "diff")

    browser.get(server.url + "/stories/shotspotter/blame")
    sentence = browser.find_element(
        By.PARTIAL_LINK_TEXT, "Ending ShotSpotter was one of Mayor Johnson's campaign promises."
    )
    assert sentence.get_attribute("data-update") == IDS[1]
    shot(browser, tmp_path, "blame")
    sentence.click()
    arrived(browser, f"/updates/{IDS[1]}")
    assert browser.find_element(By.CSS_SELECTOR, "h1 code").text == IDS[1]
    shot(browser, tmp_path, "update")

    assert console_errors(browser) == []


def test_the_inline_diff_marks_deleted_and_inserted_words(
    browser: Any, server: Server, web_db: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from web_helpers import edited_story

    old, new = edited_story(web_db)
    browser.get(f"{server.url}/stories/council-vote/diff?from={old}&to={new}&view=inline")

    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".inline-diff del")] == ["7"]
    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".inline-diff ins")] == ["8"]
    shot(browser, tmp_path, "inline-diff")
    assert console_errors(browser) == []


def test_imported_script_and_javascript_links_do_not_run(
    browser: Any, server: Server, web_db: str, tmp_path: Path
) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    script = "<script>document.title='pwned';alert(1)</script>"
    link = "<a href=\"javascript:document.title='pwned'\">click me</a>"
    archive = open_archive(web_db, "UTC", create=False)
    archive.append(
        Update.draft(
            "hostile", "report", "2024-03-01", BY, headline=f"Hi {script}", text=f"{script} {link}"
        )
    )
    archive.close()

    browser.get(server.url + "/stories/hostile")

    assert browser.title.startswith("Hi <script>")
    assert script in browser.find_element(By.CSS_SELECTOR, ".body p").text
    assert browser.find_elements(By.PARTIAL_LINK_TEXT, "click me") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    shot(browser, tmp_path, "hostile")
