"""Failure scenarios: each pair of real runs shows its failure and its fix (slow)."""

import pytest

from reference_models import scenarios


@pytest.mark.slow
@pytest.mark.parametrize("name", list(scenarios.SCENARIOS))
def test_failure_scenarios_show_their_failure(tmp_path, reference_runs, name):
    """Seed 3, one the recipes were not tuned on, and the seed of test_reference_quality.py's default
    runs: a scenario run that is a default run (its AE, VAE, beta = 4 and WGAN-GP runs) trains once."""
    result = scenarios.SCENARIOS[name](tmp_path, 3, reuse=reference_runs)
    assert result["passed"], result
