"""Health checks of a reference run: is it fit to be ground truth?

A run is unhealthy when training failed in a way its metrics show: a generator no better than its
untrained self, samples that repeat within a class, lost mixture modes, a VAE code that carries no
information, an autoencoder no better than the mean image. `judge` returns every check with its
value and bar, so `metrics.json` says why; `reference train` exits 1 when one fails.
Failure scenarios (scenarios.py) run unhealthy on purpose and do not consult this.
"""

from __future__ import annotations

import math

FD_VS_UNTRAINED = 0.5  # a trained generator's FD must be below half its untrained self's
WITHIN_CLASS_DIVERSITY = 0.6  # generated images of a class vary at least 60 % as much as real ones
LABEL_ACCURACY = 0.85  # cGAN: samples classified as their conditioning label
HIGH_QUALITY_SHARE = 0.3  # mixtures: samples within 3 std of a mode (healthy runs: 0.44-0.88)
MODE_KL = 0.5  # mixtures: KL(mode histogram || uniform); a run with a mode nearly lost is above
MIN_KL_NATS = 1.0  # VAE: KL per image (a collapsed code has ~0)
AE_VS_MEAN_IMAGE = 0.8  # AE: squared error below 80 % of predicting the mean image (a 2-d code: ~53 %)


def _check(name, value, passed, bar):
    return {"check": name, "value": value, "passed": bool(passed), "needs": bar}


def judge(spec, m: dict) -> dict:
    checks = []
    numbers = [v for v in m.values() if isinstance(v, float)]
    bad = [k for k, v in m.items() if isinstance(v, float) and not math.isfinite(v)]
    checks.append(_check("finite metrics", len(numbers) - len(bad), not bad, "every metric finite"))
    if spec.family == "autoencoder":
        if spec.variational:
            checks.append(
                _check(
                    "KL not collapsed", m["test_kl"], m["test_kl"] >= MIN_KL_NATS, f">= {MIN_KL_NATS} nats per image"
                )
            )
            checks.append(_check("active latent dimensions", m["test_active_dims"], m["test_active_dims"] >= 1, ">= 1"))
        else:
            bar = AE_VS_MEAN_IMAGE * m["test_recon_mse_mean_image"]
            checks.append(
                _check("beats the mean image", m["test_recon_mse"], m["test_recon_mse"] < bar, f"< {bar:.3g}")
            )
    elif "modes_total" in m:
        total = m["modes_total"]
        checks.append(_check("modes covered", m["modes_covered"], m["modes_covered"] == total, f"{total} of {total}"))
        share = m["high_quality_share"]
        checks.append(_check("high-quality samples", share, share >= HIGH_QUALITY_SHARE, f">= {HIGH_QUALITY_SHARE}"))
        kl = m["mode_kl"]
        checks.append(_check("modes evenly covered", kl, kl is not None and kl <= MODE_KL, f"mode KL <= {MODE_KL}"))
    elif "frechet_distance" in m:
        bar = FD_VS_UNTRAINED * m["frechet_distance_untrained"]
        fd = m["frechet_distance"]
        checks.append(_check("FD far from the untrained generator's", fd, fd < bar, f"< {bar:.3g}"))
        div = m["within_class_diversity"]
        checks.append(
            _check("within-class diversity", div, div >= WITHIN_CLASS_DIVERSITY, f">= {WITHIN_CLASS_DIVERSITY}")
        )
        if "label_accuracy" in m:
            acc = m["label_accuracy"]
            checks.append(_check("label accuracy", acc, acc >= LABEL_ACCURACY, f">= {LABEL_ACCURACY}"))
    failed = [c for c in checks if not c["passed"]]
    note = m.get("frechet_distance_refused")
    return {"healthy": not failed, "failed": [c["check"] for c in failed], "checks": checks, "not_measured": note}


def message(result: dict) -> str:
    """One line per failed check, for the terminal."""
    return "; ".join(
        f"{c['check']}: {_fmt(c['value'])} (needs {c['needs']})" for c in result["checks"] if not c["passed"]
    )


def _fmt(v):
    return f"{v:.3g}" if isinstance(v, float) else str(v)
