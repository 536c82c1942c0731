"""The practice server as students use it: started by the real CLI from an empty folder, with a
browser's idle connection held open, two clients practising at the same moment, and answers
checked in the server's worker processes under the checker's limits."""

import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest

from examkit.bank.identity import VariantIdentity, realize
from examkit.bank.loader import load_bank
from examkit.study.shown import expected_text
from examkit.study.store import ProgressStore

BANK = load_bank()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("server")
    db = tmp_path / "progress.sqlite"
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    argv = [sys.executable, "-m", "examkit", "practice", "serve", "--port", "0", "--db", str(db), "--workers", "2"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=empty)
    line = proc.stdout.readline()
    url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert url, line + (proc.stdout.read() if proc.poll() is not None else "")
    yield url.group(0), int(url.group(1)), db
    proc.terminate()
    proc.wait(timeout=20)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.read().decode()


def _post(url: str, form: dict) -> str:
    data = urllib.parse.urlencode(form, doseq=True).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=20) as response:
        return response.read().decode()


def test_two_clients_and_an_idle_connection_never_wait_on_each_other(server):
    url, port, db = server
    idle = socket.create_connection(("127.0.0.1", port))  # a browser's speculative connection: nothing sent
    try:
        token = re.search(r'name="token" value="([^"]+)"', _get(f"{url}progress")).group(1)
        results, errors = {}, []

        def practise(qid: str, seed: int):
            try:
                started = time.monotonic()
                v = realize(BANK, VariantIdentity(qid, seed))
                _get(f"{url}q/{qid}/{seed}")
                form = {"token": token, "action": "check", **{f"answer-{p.id}": expected_text(p) for p in v.parts}}
                page = _post(f"{url}q/{qid}/{seed}", form)
                results[qid] = (re.findall(r'class="verdict (\w+)"', page), time.monotonic() - started)
            except Exception as exc:  # the assertion below names it
                errors.append(f"{qid}: {exc!r}")

        clients = [threading.Thread(target=practise, args=a) for a in (("vae-neg-elbo-beta", 7), ("vae-kl-1d", 3))]
        for c in clients:
            c.start()
        for c in clients:
            c.join(60)
        assert not errors, errors
        assert results["vae-neg-elbo-beta"][0] == ["correct", "correct"]
        assert results["vae-kl-1d"][0] == ["correct"]
        assert all(seconds < 15 for _, seconds in results.values()), results
    finally:
        idle.close()
    attempts = [a for a in ProgressStore(db).attempts() if a["qid"] in ("vae-neg-elbo-beta", "vae-kl-1d")]
    assert len(attempts) == 3 and all(a["status"] == "correct" for a in attempts)


def test_a_hostile_answer_is_stopped_in_its_worker_and_the_server_goes_on(server):
    url, _, _ = server
    token = re.search(r'name="token" value="([^"]+)"', _get(f"{url}progress")).group(1)
    v = realize(BANK, VariantIdentity("gan-optimal-d-value", 4))
    field = f"answer-{v.parts[0].id}"
    hostile = "+".join(["(x" * 30 + ")" * 30] * 40)
    page = _post(f"{url}q/{v.qid}/4", {"token": token, "action": "check", field: hostile})
    assert 'class="verdict' in page or "refused" in page.lower() or "too" in page.lower()
    again = _post(f"{url}q/{v.qid}/4", {"token": token, "action": "check", field: expected_text(v.parts[0])})
    assert re.findall(r'class="verdict (\w+)"', again)[:1] == ["correct"]
