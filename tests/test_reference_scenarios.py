"""Failure scenarios: each pair of real runs shows its failure and its fix (slow)."""

import pytest

from reference_models import scenarios


@pytest.mark.slow
@pytest.mark.parametrize("name", list(scenarios.SCENARIOS))
def test_failure_scenarios_show_their_failure(tmp_path, name):
    result = scenarios.SCENARIOS[name](tmp_path, 3)  # a seed the recipes were not tuned on
    assert result["passed"], result
