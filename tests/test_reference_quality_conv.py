"""Health of the convolutional GANs' default runs (slow: about a minute each); the other models
are in test_reference_quality.py. Seed 3 is not one the recipes were tuned on."""

import pytest

from reference_models import runs


@pytest.mark.slow
@pytest.mark.parametrize("name", ["dcgan", "cgan"])
def test_default_runs_are_healthy(tmp_path, name):
    m = runs.train_reference(name, seed=3, out=tmp_path)["metrics"]
    assert m["health"]["healthy"], m["health"]
