"""Fair on every numeric convention (the issue's part 4): a VAE whose decoder returns logits, with a
loss that treats them as logits, grades like the sigmoid one; mismatched pairs lose the checks of
the part that departs from its partner, and are told which."""

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from examkit.labs.grade import grade_batch
from examkit.labs.jail.runner import ProbeResult
from examkit.labs.vae import inputs
from examkit.labs.vae.judges import judge_beta, judge_vae_loss, loss_takes_logits
from lab_variants import VAE_FORMS, source


def _failed(results):
    """Every check lost, training included: it trains the lab's own VAE in the form the loss reads."""
    return {t["name"] for t in results["tests"] if t["score"] < t["max_score"]}


def _output(results, prefix):
    return next(t["output"] for t in results["tests"] if t["name"].startswith(prefix))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
def test_output_forms_of_the_vae_are_judged_as_pairs(tmp_path):
    files = []
    for name, (edits, _) in VAE_FORMS.items():
        files.append(tmp_path / f"{name}.py")
        files[-1].write_text(source("vae", edits))
    grade_batch("vae", files, tmp_path / "out", jobs=2)
    results = {name: json.loads((tmp_path / "out" / name / "results.json").read_text()) for name in VAE_FORMS}
    for name, (_, expected) in VAE_FORMS.items():
        failed = _failed(results[name])
        assert {e for e in expected if any(f.startswith(e) for f in failed)} == expected, (name, failed)
        assert all(any(f.startswith(e) for e in expected) for f in failed), (name, failed)
    assert "consistent pair" in _output(results["logits_pair"], "VAE.decode")
    assert "through a sigmoid" in _output(results["logits_pair"], "interpolate")
    assert "double sigmoid" in _output(results["double_sigmoid"], "vae_loss: summed")
    mismatch = _output(results["logits_decoder_probability_bce"], "VAE.decode")
    assert "treats x_hat as probabilities" in mismatch and "binary_cross_entropy_with_logits" in mismatch
    raw = results["logits_pair_raw_images"]
    assert "apply torch.sigmoid" in _output(raw, "sample") and "apply torch.sigmoid" in _output(raw, "interpolate")
    assert "mixed reductions" in _output(results["logits_pair_mean_reduction"], "vae_loss: summed")


def _terms(seed):
    """The float32 reconstruction terms (BCE on probabilities, BCE with logits) and the KL of the
    loss probe's two batches, as a student's loss computes them."""
    out = {}
    for batch, (x_hat, x, mu, logvar) in (("probs", inputs.loss(seed)), ("logits", inputs.loss_logits(seed))):
        out[batch, "logits"] = F.binary_cross_entropy_with_logits(x_hat, x, reduction="sum")
        out[batch, "probabilities"] = -(x * torch.log(x_hat) + (1 - x) * torch.log(1 - x_hat)).sum()
        clamped = x_hat.clamp(1e-6, 1 - 1e-6)
        out[batch, "clamped"] = -(x * torch.log(clamped) + (1 - x) * torch.log(1 - clamped)).sum()
        out[batch, "sigmoid_then_bce"] = F.binary_cross_entropy(torch.sigmoid(x_hat), x, reduction="sum")
        out[batch, "kl"] = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return {k: np.float32(v) for k, v in out.items()}


def _loss_result(terms, form, recon_scale=1.0, kl_scale=1.0):
    """What the loss probe records for a loss in `form` (float32 arithmetic, as torch's)."""

    def loss(batch, beta):
        return np.float64(
            terms[batch, form] * np.float32(recon_scale) + np.float32(beta) * terms[batch, "kl"] * np.float32(kl_scale)
        )

    arrays = {f"beta{b}": loss("probs", b) for b in (0, 1, 3)}
    arrays["logits1"] = loss("logits", 1)
    return ProbeResult("ok", arrays={k: np.asarray(v) for k, v in arrays.items()})


def test_the_loss_form_is_told_apart_whatever_the_reduction_and_kl():
    """With-logits losses are recognised in every reduction, with a right or wrong KL; a BCE on
    probabilities (NaN on logits, or clamped to a finite number) never is. Beta is judged in the
    loss's own form, and the loss check follows the decoder's form."""
    decoder = {
        "logits": ProbeResult("ok", arrays={"out": np.linspace(-3, 3, 5 * 784).reshape(5, 784)}),
        "probabilities": ProbeResult("ok", arrays={"out": np.linspace(0, 1, 5 * 784).reshape(5, 784)}),
    }
    for seed in range(40):
        terms = _terms(seed)
        for recon_scale in (1, 1 / 3, 1 / 2352):
            for kl_scale in (1, -1, 1 / 18):
                r = _loss_result(terms, "logits", recon_scale, kl_scale)
                assert loss_takes_logits(r, seed) is True, (seed, recon_scale, kl_scale)
                if kl_scale > 0:
                    assert judge_beta(r, seed)[0] == 1, (seed, recon_scale, kl_scale)
        for form in ("probabilities", "clamped"):
            r = _loss_result(terms, form)
            assert loss_takes_logits(r, seed) is False, (seed, form)
            assert judge_beta(r, seed)[0] == 1
            assert (
                judge_vae_loss(replace(r, reads={"vae_decode": decoder["logits"]}), seed)[0] == 1
            )  # the decoder is at fault
        assert loss_takes_logits(_loss_result(terms, "sigmoid_then_bce"), seed) is True  # a sigmoid inside the loss
        r = _loss_result(terms, "logits")
        assert judge_vae_loss(replace(r, reads={"vae_decode": decoder["logits"]}), seed)[0] == 1
        assert judge_vae_loss(replace(r, reads={"vae_decode": ProbeResult("error", "no decoder")}), seed)[0] == 1
        assert (
            judge_vae_loss(replace(r, reads={"vae_decode": decoder["probabilities"]}), seed)[0] == 0
        )  # a double sigmoid
    assert loss_takes_logits(ProbeResult("timeout"), 0) is None
