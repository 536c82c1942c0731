"""A content-addressed store of finished reference runs: a run asked for twice trains once.

A run's key is everything its numbers depend on: what the caller names (model, data, seed, the
resolved Config, ...), the source of reference_models itself, and the versions of the libraries
that compute and draw it. A stored run is the folder training wrote (metrics.json, model.pt,
figures/) plus what the caller needs to stand where training left it (`state`, saved with
torch.save). Callers asking for one key at once, in threads or processes, queue on a file lock
(fcntl): the first trains, the others wait and reuse its run.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import platform
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

import torch

PACKAGE = Path(__file__).resolve().parent
RUN = "run"  # the files training wrote, copied to each caller's `out`
STATE = "state.pt"
LIBRARIES = ("torch", "numpy", "scipy", "matplotlib")


@functools.cache
def _environment() -> str:
    """The source of every reference_models module and the libraries' versions: a change to either
    may change a run's numbers or figures, so it is part of every key."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    versions = [f"{name} {metadata.version(name)}" for name in LIBRARIES]
    return f"{digest.hexdigest()}|{'|'.join(versions)}|{platform.machine()}"


def tensors_digest(*tensors: torch.Tensor) -> str:
    """A digest of the tensors' shapes, types and values (a run's data, by content rather than name)."""
    digest = hashlib.sha256()
    for t in tensors:
        t = t.detach().contiguous().cpu()
        digest.update(f"{tuple(t.shape)} {t.dtype}".encode())
        digest.update(t.view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def run_key(**fields) -> str:
    """The key of the run `fields` describe (JSON-able values) in this source and environment."""
    text = json.dumps(fields, sort_keys=True) + "|" + _environment()
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def obtain(store, key: str, out: Path, train) -> tuple[dict | None, dict]:
    """Put run `key` in `out`: copied from `store`, after training it there first if no one has.

    `train(folder)` writes the run's files into `folder` and returns (result, state); `state` is
    kept beside the files (torch.save). Returns (result, state) when this call trained, (None,
    state) when it reused a stored run."""
    store = Path(store)
    store.mkdir(parents=True, exist_ok=True)
    entry = store / key
    with open(store / f"{key}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this process dies
        result = None
        if not entry.exists():
            result, state = _train_into(store, entry, train)
        else:
            state = torch.load(entry / STATE, weights_only=True)
        shutil.copytree(entry / RUN, out, dirs_exist_ok=True)
    return result, state


def _train_into(store: Path, entry: Path, train) -> tuple[dict, dict]:
    """Train in a scratch folder and rename it into place: an interrupted run leaves no entry."""
    scratch = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=store))
    try:
        result, state = train(scratch / RUN)
        torch.save(state, scratch / STATE)
        scratch.rename(entry)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return result, state
