"""Quality bars of the reference models: real default-length training runs (slow, up to two minutes each)."""

import pytest

from reference_models import runs


@pytest.mark.slow
def test_vae_reports_heldout_elbo_and_iwae_bound(tmp_path):
    m = runs.train_reference("vae", seed=0, out=tmp_path)["metrics"]
    assert 0 < m["test_neg_elbo"] < 40
    assert m["test_iwae_log_likelihood"] >= -m["test_neg_elbo"] - 0.5  # IWAE is the tighter bound


@pytest.mark.slow
def test_cgan_samples_match_their_labels(tmp_path):
    m = runs.train_reference("cgan", seed=0, out=tmp_path)["metrics"]
    assert m["label_accuracy"] >= 0.9


@pytest.mark.slow
def test_dcgan_beats_noise_and_untrained_generator(tmp_path):
    m = runs.train_reference("dcgan", seed=0, out=tmp_path)["metrics"]
    assert m["frechet_distance"] < 0.5 * m["frechet_distance_untrained"]
    assert m["frechet_distance"] < 0.5 * m["frechet_distance_noise"]
