"""The practice app driven in a real headless Chromium (Selenium, Debian's chromium-driver), served
by the real CLI: a practice session with the live preview, a review redo, a mock exam submitted by
its own clock; the stored attempts are read back and a screenshot is inspected."""

import re
import shutil
from pathlib import Path

import pytest

from conftest import local_server, mock_spec
from examkit.bank.identity import VariantIdentity, realize
from examkit.bank.loader import load_bank
from examkit.study.shown import expected_text
from examkit.study.store import ProgressStore

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

DRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DRIVER or not shutil.which("chromium"), reason="needs chromium and chromium-driver"),
]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(tmp_path):
    db = tmp_path / "progress.sqlite"
    with local_server("practice", "serve", "--db", str(db), "--exam-date", "2099-01-01") as (url, _):
        yield url, db


def _key_answers(qid, seed):
    v = realize(load_bank(), VariantIdentity(qid, seed))
    answers = {}
    for p in v.parts:
        if p.options:
            answers[p.id] = list(p.answer)
        elif p.response == "steps":
            answers[p.id] = "\n".join(p.steps)
        else:
            answers[p.id] = expected_text(p) if p.response != "text" else p.answer_text
    return v, answers


def _fill(driver, v, answers, prefix=""):
    for p in v.parts:
        name = f"{prefix}answer-{p.id}"
        if p.options:
            for box in driver.find_elements(By.NAME, name):
                if box.get_attribute("value") in answers[p.id]:
                    box.click()
        else:
            field = driver.find_element(By.NAME, name)
            field.clear()
            field.send_keys(answers[p.id])


def test_a_practice_session_review_and_mock_exam_in_the_browser(app, browser, tmp_path):
    url, db = app
    # practise a topic chosen with the keyboard alone
    browser.get(url)
    topic = browser.find_element(By.ID, "topic")
    Select(topic).select_by_value("vae")
    topic.send_keys(Keys.TAB, Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: "/q/" in d.current_url)
    qid, seed = re.search(r"/q/([^/?]+)/(\d+)", browser.current_url).groups()
    v, answers = _key_answers(qid, int(seed))
    _fill(browser, v, answers)
    browser.find_element(By.CSS_SELECTOR, "button[value=check]").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".verdict"))
    verdicts = [e.get_attribute("class") for e in browser.find_elements(By.CSS_SELECTOR, ".verdict")]
    assert verdicts and all(c.split()[-1] in ("correct", "manual") for c in verdicts), (qid, seed, verdicts)
    if any("manual" in c for c in verdicts):  # a written part: the student ticks the rubric items it made
        for box in browser.find_elements(By.CSS_SELECTOR, "input[name^=rubric-]"):
            box.click()
        browser.find_element(By.XPATH, "//button[text()='Record my marks']").click()
        WebDriverWait(browser, 10).until(lambda d: "your own marks" in d.page_source)

    # the live preview shows what the checker reads, as it is typed
    browser.get(url + "q/vae-kl-1d/5")
    field = browser.find_element(
        By.NAME, browser.find_element(By.CSS_SELECTOR, "input[data-preview]").get_attribute("name")
    )
    field.send_keys("1/4 + log(2)")
    WebDriverWait(browser, 10).until(lambda d: "you typed" in d.find_element(By.CSS_SELECTOR, ".preview").text)
    # the structure as typed, with its value beside it, and a reading worth saying in words
    preview = browser.find_element(By.CSS_SELECTOR, ".preview")
    assert preview.find_elements(By.TAG_NAME, "math") and "≈" in preview.text and "0.943" in preview.text, preview.text
    field.clear()
    field.send_keys("1 584")
    WebDriverWait(browser, 10).until(lambda d: "thousands" in d.find_element(By.CSS_SELECTOR, ".preview").text)
    field.clear()
    field.send_keys("12345")
    browser.find_element(By.CSS_SELECTOR, "button[value=check]").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".verdict"))
    assert "incorrect" in browser.find_element(By.CSS_SELECTOR, ".verdict").get_attribute("class")
    assert "Worked solution" in browser.page_source
    shot = tmp_path / "result.png"
    browser.save_screenshot(str(shot))

    # review: the mistake is listed with the expected answer; redo the same variant
    browser.get(url + "review")
    assert "12345" in browser.page_source and "Expected" in browser.page_source
    browser.find_element(By.LINK_TEXT, "Redo the same question").click()
    assert browser.current_url.endswith("/q/vae-kl-1d/5")

    # a mock exam of 15 seconds: one answer typed, then the clock submits it
    browser.get(url + "mock")
    minutes = browser.find_element(By.ID, "minutes")
    minutes.clear()
    minutes.send_keys("0.25")
    browser.find_element(By.CSS_SELECTOR, "form[action='/mock'] button").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "clock"))
    first = browser.find_element(By.CSS_SELECTOR, "input[type=text][name^=q]")  # the first typed answer
    for _ in range(8):  # keyboard only: each field tabbed to is in view, below the sticky clock
        browser.switch_to.active_element.send_keys(Keys.TAB)
        top, clock_bottom, tag = browser.execute_script(
            "var a = document.activeElement.getBoundingClientRect(), c = document.getElementById('clock')"
            ".getBoundingClientRect(); return [a.top, c.bottom, document.activeElement.tagName];"
        )
        assert tag not in ("INPUT", "TEXTAREA") or top >= clock_bottom, (top, clock_bottom)
    first.send_keys("0.5", Keys.ENTER)  # Enter moves on; it never hands in the exam
    assert browser.find_elements(By.ID, "clock") and "By section" not in browser.page_source
    WebDriverWait(browser, 60).until(lambda d: "By section" in d.page_source)
    assert "By objective" in browser.page_source

    # the progress page, with the exam-date plan
    browser.get(url + "progress")
    assert "Plan for the exam on 2099-01-01" in browser.page_source and "Learning objectives" in browser.page_source

    store = ProgressStore(db)
    attempts = store.attempts()
    assert any(a["qid"] == qid and a["status"] == "correct" for a in attempts)
    assert any(a["qid"] == "vae-kl-1d" and a["answer"] == "12345" and a["status"] != "correct" for a in attempts)
    mocks = store.mocks()
    assert len(mocks) == 1 and mocks[0]["report"] and "0.5" in mocks[0]["answers"].values(), mocks
    assert any(a["session"] == f"mock-{mocks[0]['id']}" for a in attempts)

    from matplotlib.image import imread

    pixels = imread(str(shot))
    assert pixels.shape[0] > 500 and pixels.shape[1] > 800
    assert pixels[..., :3].std() > 0.05  # text and colour, not a blank page
    red = (pixels[..., 0] > 0.9) & (pixels[..., 1] < 0.95) & (pixels[..., 1] > 0.85)  # the pink "incorrect" band
    assert red.sum() > 1000


def _history(db, tmp_path) -> str:
    """Mistakes and a marked mock exam in the served app's store (written as the app writes them);
    returns the mock's id."""
    from examkit.practice.app import create_app

    bank = load_bank()
    app = create_app(db=db, bank=bank)
    c, token = app.test_client(), app.extensions["examkit"].access.token
    c.post("/q/vae-kl-1d/3", data={"token": token, "action": "check", "answer-kl": "12345"})
    gan = realize(bank, VariantIdentity("gan-optimal-d-value", 3))
    c.post("/q/gan-optimal-d-value/3", data={"token": token, "action": "check", f"answer-{gan.parts[0].id}": "0.5",
                                             f"answer-{gan.parts[1].id}": "A"})  # fmt: skip
    spec = mock_spec(tmp_path, {"Numbers": "vae-neg-elbo-beta", "Ideal D": "gan-optimal-d-value"})
    started = c.post("/mock", data={"token": token, "spec": str(spec), "minutes": "30"})
    return started.headers["Location"].rsplit("/", 1)[1]


def test_no_page_scrolls_sideways_on_a_375_px_phone(app, browser, tmp_path):
    url, db = app
    mock_id = _history(db, tmp_path)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True}
    )
    browser.get(url + f"mock/{mock_id}")
    browser.find_element(By.XPATH, "//button[text()='Submit the exam']").click()
    WebDriverWait(browser, 30).until(lambda d: "By section" in d.page_source)
    for path in ("", "progress", "q/gan-optimal-d-value/3", "q/gan-mode-collapse/2", "review", f"mock/{mock_id}",
                 "mock", "sheet", "sheet?count=3&seed=1"):  # fmt: skip
        browser.get(url + path)
        wide, fits = browser.execute_script("var e = document.documentElement; return [e.scrollWidth, e.clientWidth];")
        assert fits == 375 and wide <= fits, (path, wide, fits)
    shot = tmp_path / "review-375.png"
    browser.get(url + "review")
    browser.save_screenshot(str(shot))
    from matplotlib.image import imread

    pixels = imread(str(shot))
    assert pixels.shape[1] == 375 and pixels[..., :3].std() > 0.05


def test_typed_answers_survive_a_refusal_back_and_reload_and_a_mock_keeps_every_tabs_answers(app, browser, tmp_path):
    url, db = app
    v, answers = _key_answers("vae-neg-elbo-beta", 7)
    a, b = (f"answer-{p.id}" for p in v.parts)
    browser.get(url + "q/vae-neg-elbo-beta/7")
    browser.find_element(By.NAME, a).send_keys(answers["a"])
    browser.find_element(By.NAME, b).send_keys("40 +* (")
    browser.find_element(By.CSS_SELECTOR, "button[value=check]").click()
    WebDriverWait(browser, 10).until(lambda d: "could not be read" in d.page_source)
    assert "Expected" not in browser.page_source and "Worked solution" not in browser.page_source
    assert browser.find_element(By.NAME, b).get_attribute("value") == "40 +* ("  # what was typed stays
    assert browser.switch_to.active_element.get_attribute("name") == b  # on the field to correct
    field = browser.find_element(By.NAME, b)
    field.clear()
    field.send_keys(answers["b"])
    browser.find_element(By.CSS_SELECTOR, "button[value=check]").click()
    WebDriverWait(browser, 10).until(lambda d: "Score 4 / 4" in d.page_source)
    browser.back()  # the question again, with both answers still typed in
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.NAME, a))
    assert [browser.find_element(By.NAME, n).get_attribute("value") for n in (a, b)] == [answers["a"], answers["b"]]
    browser.find_element(By.CSS_SELECTOR, "button[value=check]").click()  # a second Check records the answer again
    WebDriverWait(browser, 10).until(lambda d: "Score 4 / 4" in d.page_source)
    assert "(none)" not in browser.page_source

    browser.get(url + "q/vae-kl-1d/5")  # typed, never sent, then the page reloaded
    browser.find_element(By.NAME, "answer-kl").send_keys("1/4 + log(2)")
    browser.refresh()
    assert browser.find_element(By.NAME, "answer-kl").get_attribute("value") == "1/4 + log(2)"
    stored = ProgressStore(db).attempts()
    assert [x["answer"] for x in stored] == [answers["a"], answers["b"]] * 2  # the refusal recorded nothing

    # a mock exam open in two tabs: question 2 answered in the second, handed in from the first
    mock_id = _history(db, tmp_path)
    browser.get(url + f"mock/{mock_id}")
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(url + f"mock/{mock_id}")
    second = browser.find_element(By.CSS_SELECTOR, "input[type=text][name^=q2-]")
    second.send_keys("0.5", Keys.ENTER)  # leaving the field saves it
    name = second.get_attribute("name").replace("-answer-", "-", 1)
    WebDriverWait(browser, 10).until(lambda d: ProgressStore(db).mock(mock_id)["answers"].get(name) == "0.5")
    browser.switch_to.window(first)
    browser.find_element(By.CSS_SELECTOR, "input[type=text][name^=q1-]").send_keys("7")
    browser.find_element(By.XPATH, "//button[text()='Submit the exam']").click()
    WebDriverWait(browser, 30).until(lambda d: "By section" in d.page_source)
    assert "from another tab" in browser.page_source
    report = ProgressStore(db).mock(mock_id)["report"]
    typed = {(q["number"], row["answer"]) for q in report["questions"] for row in q["parts"]}
    assert {(1, "7"), (2, "0.5")} <= typed, typed
