"""`examkit bank preview`: the authoring preview of a folder of question files. In a real headless
Chromium (Selenium, Debian's chromium-driver) against the real CLI: a template's page with its key,
solution, option feedback and misconceptions; an edit saved to the file shows on the open page
without navigation; a broken file shows its problem on the page; "New variant" moves to the next
seed. Without a browser: the API's input checks, the index, and the pages' content through Flask's
test client."""

import re
import socket
import time
from pathlib import Path

import pytest

from conftest import local_server, run_cli
from examkit import api
from examkit.bank.loader import load_file
from examkit.errors import NotFound, UsageError
from examkit.preview.app import KEY

ROOT = Path(__file__).resolve().parent.parent

TEMPLATE = """\
topic: autoencoders
title: Draft questions
questions:
  - id: draft-compression
    title: How much a bottleneck compresses
    objectives: [ae_architecture]
    difficulty: easy
    params:
      side: {int: [20, 400]}
      d: {choice: [2, 4, 5, 8, 10]}
    derived:
      ratio: "side^2/d"
    stem: A grey-scale image of $[[side]]\\times[[side]]$ pixels is coded in [[d]] numbers.
    parts:
      - id: ratio
        type: numeric
        points: 1
        prompt: By what factor does the code compress the image?
        answer: ratio
        solution: $[[side]]^2 / [[d]] = [[ratio|num(6)]]$.
        hints: [Count the pixels first.]
        misconceptions:
          - name: side_not_area
            answer: side/d
            feedback: An image has side times side pixels.
      - id: effect
        type: choice
        points: 1
        prompt: What does a much smaller code do?
        options:
          - text: "It blurs the reconstructions."
            correct: true
            feedback: Too small a bottleneck cannot carry the detail.
          - text: It sharpens the reconstructions.
            correct: false
            feedback: Less capacity means less detail, not sharper images.
        solution: One number per image cannot keep the detail, so reconstructions blur.
    hints:
      - The factor is input values over code values.
"""


def write_bank(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "draft.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


def save(path: Path, text: str) -> None:
    """Write as an editor saves: the whole file, with a new modification time."""
    path.write_text(text, encoding="utf-8")


# --- the API's input checks and the pages, without a browser ---------------------------------------
def test_a_missing_folder_a_wrong_file_and_a_taken_port_are_usage_errors(tmp_path):
    with pytest.raises(NotFound, match="no such file or folder"):
        api.bank_preview_app(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(UsageError, match="not a question file"):
        api.bank_preview_app(tmp_path / "notes.txt")
    with pytest.raises(UsageError, match="--seeds must be between"):
        api.bank_preview_app(tmp_path, seeds=0)
    cli = run_cli("bank", "preview", str(tmp_path / "nowhere"))
    assert cli.returncode == 2 and "no such file or folder" in cli.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"cannot listen on 127.0.0.1:{port}"):
            api.bank_preview_serve(api.bank_preview_app(tmp_path), port=port)


@pytest.fixture
def client(tmp_path):
    path = write_bank(tmp_path / "bank")
    app = api.bank_preview_app(path.parent, seeds=3)
    yield app.test_client(), path
    app.extensions[KEY].validations.close()


def _page(client, url: str, wait_for_report=True) -> str:
    """The page, once its validate report is there (the worker takes a moment)."""
    deadline = time.monotonic() + 120
    while True:
        html = client.get(url).get_data(as_text=True)
        if not wait_for_report or "Validating" not in html and "validating" not in html:
            return html
        assert time.monotonic() < deadline, "validation never finished"
        time.sleep(0.2)


def test_the_pages_show_key_feedback_misconceptions_and_problems(client):
    client, path = client
    index = _page(client, "/")
    assert "draft.yaml" in index and "/t/draft.yaml/draft-compression/0" in index and "0 problems" in index
    template = load_file(path)[0][0]
    v = template.variant(4)
    page = _page(client, "/t/draft.yaml/draft-compression/4")
    assert f"<td>{v.params['side']}</td>" in page and ">4</strong>" in page  # parameters and seed
    assert "Key: A" in page or "Key: B" in page
    assert "Less capacity means less detail, not sharper images." in page  # a wrong option's feedback
    assert "side_not_area" in page and "An image has side times side pixels." in page
    assert "Count the pixels first." in page and "The factor is input values over code values." in page
    assert "No problems" in page and "3 seeds per template" in page
    state = client.get("/api/state").get_json()["state"]
    save(path, TEMPLATE.replace("is coded in", "is squeezed into"))
    assert client.get("/api/state").get_json()["state"] != state
    assert "is squeezed into" in _page(client, "/t/draft.yaml/draft-compression/4", wait_for_report=False)
    assert client.get("/t/draft.yaml/no-such-template/0").status_code == 404
    assert client.get("/t/other.yaml/draft-compression/0").status_code == 404
    # a schema error: the file's problem with its line, the server still serving
    save(
        path,
        TEMPLATE.replace(
            "        points: 1\n        prompt: What", "        points: 1\n        colour: red\n        prompt: What"
        ),
    )
    broken = _page(client, "/t/draft.yaml/draft-compression/4")
    assert re.search(r"draft\.yaml:\d+: questions\.0\.parts\.1: unknown field &#39;colour&#39; in a", broken), broken
    # a seed the template cannot build is the template's problem, at its line
    save(path, TEMPLATE.replace("in [[d]] numbers", "in [[e]] numbers"))
    failing = _page(client, "/t/draft.yaml/draft-compression/0")
    assert "draft-compression: seed 0:" in failing and "Parameters" not in failing


# --- in the browser -------------------------------------------------------------------------------
@pytest.fixture
def preview(tmp_path):
    path = write_bank(tmp_path / "bank")
    with local_server("bank", "preview", str(path.parent), "--seeds", "5") as (url, proc):
        yield url, path
        proc.terminate()
        assert proc.wait(timeout=60) == 0  # SIGTERM stops it cleanly, the validation worker with it


@pytest.mark.slow
def test_a_template_page_follows_the_file_as_it_is_saved(preview, browser, tmp_path):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, path = preview
    browser.get(url)
    browser.find_element(By.LINK_TEXT, "draft-compression").click()
    wait = WebDriverWait(browser, 60, ignored_exceptions=(StaleElementReferenceException,))  # content swapped in
    wait.until(lambda d: "No problems" in d.find_element(By.TAG_NAME, "main").text)
    text = browser.find_element(By.TAG_NAME, "main").text
    template = load_file(path)[0][0]
    v0, v1 = template.variant(0), template.variant(1)
    assert browser.find_element(By.ID, "seed").text == "0"
    assert f"side {v0.params['side']}" in browser.find_element(By.ID, "params").text
    assert "Key: " + ", ".join(v0.parts[1].answer) in text
    assert "Too small a bottleneck cannot carry the detail." in text  # the right option's feedback
    assert "Less capacity means less detail, not sharper images." in text
    assert "side_not_area" in text and "An image has side times side pixels." in text
    assert "One number per image cannot keep the detail" in text  # worked solution
    browser.save_screenshot(str(tmp_path / "preview.png"))
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")

    # saved edits show on the open page: no navigation (the page's own marker survives)
    browser.execute_script("window.stillHere = true")
    save(path, TEMPLATE.replace("is coded in", "is squeezed into"))
    wait.until(lambda d: "is squeezed into" in d.find_element(By.ID, "stem").text)
    save(path, TEMPLATE.replace("questions:\n", "questions: [\n"))  # a YAML syntax error
    wait.until(lambda d: "YAML syntax error" in d.find_element(By.TAG_NAME, "main").text)
    assert re.search(r"draft\.yaml:\d+: YAML syntax error", browser.find_element(By.TAG_NAME, "main").text)
    save(path, TEMPLATE)
    wait.until(lambda d: d.find_elements(By.ID, "stem") and "is coded in" in d.find_element(By.ID, "stem").text)
    assert browser.execute_script("return window.stillHere === true")

    # "New variant": the next seed, in the URL, with its own parameters
    browser.find_element(By.ID, "new-variant").click()
    wait.until(lambda d: d.find_element(By.ID, "seed").text == "1")
    assert browser.current_url.endswith("/t/draft.yaml/draft-compression/1")
    assert f"side {v1.params['side']}" in browser.find_element(By.ID, "params").text
    assert v0.params != v1.params
