"""Bundled data sets and the IDX reader (tested on small IDX files written here)."""

import gzip
import struct

import numpy as np
import pytest
import torch

from reference_models import data


def write_idx(path, array, dtype_code=0x08):
    header = bytes([0, 0, dtype_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(">u1" if dtype_code == 0x08 else ">i4").tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as fh:
        fh.write(payload)


def test_digits_shapes_ranges_and_split():
    x, y = data.digits(8, "01", "train")
    xt, yt = data.digits(8, "01", "test")
    assert x.shape == (1500, 1, 8, 8) and xt.shape == (297, 1, 8, 8)
    assert 0 <= float(x.min()) and float(x.max()) <= 1
    x28, _ = data.digits(28, "pm1", "test")
    assert x28.shape == (297, 1, 28, 28) and float(x28.min()) >= -1 and float(x28.max()) <= 1
    assert set(yt.tolist()) == set(range(10))
    assert torch.equal(data.digits(8, "01", "test")[0], xt)  # fixed split


def test_mixtures():
    x, modes = data.gaussians8(1000, seed=3)
    centers = data.ring_centers(8)
    assert x.shape == (1000, 2) and torch.allclose(centers.norm(dim=1), torch.full((8,), 2.0))
    assert float((x - centers[modes]).norm(dim=1).max()) < 0.2
    assert torch.equal(data.gaussians8(1000, seed=3)[0], x)
    g, _ = data.gaussians25(500, seed=0)
    assert g.shape == (500, 2) and len(data.grid_centers(5)) == 25


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_reader_on_written_files(tmp_path, suffix):
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels)
    assert np.array_equal(data.read_idx(tmp_path / f"train-images-idx3-ubyte{suffix}"), images)
    x, y = data.mnist(tmp_path, "train")
    assert x.shape == (5, 1, 28, 28) and y.tolist() == [3, 1, 4, 1, 5]
    assert torch.allclose(x[0, 0], torch.tensor(images[0] / 255.0, dtype=torch.float32))


def test_idx_reader_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad-idx"
    bad.write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(data.IDXError, match="magic"):
        data.read_idx(bad)
    truncated = tmp_path / "short"
    write_idx(truncated, np.zeros((4, 2, 2), dtype=np.uint8))
    truncated.write_bytes(truncated.read_bytes()[:-3])
    with pytest.raises(data.IDXError, match="header says"):
        data.read_idx(truncated)
    with pytest.raises(data.IDXError, match="no train-images"):
        data.mnist(tmp_path, "train")
