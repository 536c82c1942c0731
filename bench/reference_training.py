"""Train every reference model with its defaults on several seeds; print time, health and the
main figures as mean ± sd over the seeds, then the failure scenarios' pass counts.

Goals (issue 11): every model healthy on every seed (metrics.json's health checks), every
scenario claim holding on every seed. Each model's default run takes at most about a minute here.
Usage: python bench/reference_training.py [--seeds 0,1,2,3,4] [--only NAME ...] [--scenarios] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from reference_models.runs import MODELS, train_reference
from reference_models.scenarios import SCENARIOS

FIGURES = {
    "autoencoder": ["test_recon_mse", "test_neg_elbo", "test_kl", "test_active_dims", "test_iwae_log_likelihood"],
    "points": ["modes_covered", "high_quality_share", "mode_kl"],
    "images": [
        "frechet_distance",
        "frechet_distance_sd_over_z",
        "frechet_distance_real_floor",
        "frechet_distance_untrained",
        "within_class_diversity",
        "inception_score",
        "label_accuracy",
    ],
}


def _kind(name, m):
    if MODELS[name].family == "autoencoder":
        return "autoencoder"
    return "points" if "modes_total" in m else "images"


def _mean_sd(values):
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def bench_model(name, seeds):
    per_seed, seconds = [], []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as out:
            result = train_reference(name, seed=seed, out=out)
        per_seed.append(result["metrics"])
        seconds.append(result["seconds"])
    kind = _kind(name, per_seed[0])
    figures = {
        key: _mean_sd([m[key] for m in per_seed])
        for key in FIGURES[kind]
        if all(isinstance(m.get(key), (int, float)) for m in per_seed)
    }
    unhealthy = {s: m["health"]["failed"] for s, m in zip(seeds, per_seed) if not m["health"]["healthy"]}
    return {
        "model": name,
        "dataset": per_seed[0]["dataset"],
        "epochs": per_seed[0]["epochs"],
        "seconds": _mean_sd(seconds),
        "healthy": f"{len(seeds) - len(unhealthy)}/{len(seeds)}",
        "unhealthy_seeds": unhealthy,
        "figures": figures,
    }


def bench_scenario(name, seeds):
    passed, started = [], time.perf_counter()
    for seed in seeds:
        with tempfile.TemporaryDirectory() as out:
            passed.append(SCENARIOS[name](Path(out), seed)["passed"])
    failed = [s for s, ok in zip(seeds, passed) if not ok]
    return {"scenario": name, "passed": f"{sum(passed)}/{len(seeds)}", "failed_seeds": failed,
            "seconds": round((time.perf_counter() - started) / len(seeds), 1)}  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated training seeds (default 0-4)")
    parser.add_argument("--only", action="append", help="this model or scenario only (repeatable)")
    parser.add_argument("--scenarios", action="store_true", help="also run the failure scenarios on every seed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    for name in [n for n in (args.only or MODELS) if n in MODELS]:
        row = bench_model(name, seeds)
        rows.append(row)
        if not args.json:
            figs = ", ".join(f"{k} {m:.3g} ± {sd:.2g}" for k, (m, sd) in row["figures"].items())
            print(
                f"{name:<14} {row['dataset']:<11} {row['epochs']:>4} ep {row['seconds'][0]:>6.1f} s  "
                f"healthy {row['healthy']}  {figs}" + (f"  UNHEALTHY {row['unhealthy_seeds']}" if row["unhealthy_seeds"] else ""),
                flush=True,
            )  # fmt: skip
    if args.scenarios or (args.only and any(n in SCENARIOS for n in args.only)):
        for name in [n for n in (args.only or SCENARIOS) if n in SCENARIOS] or SCENARIOS:
            row = bench_scenario(name, seeds)
            rows.append(row)
            if not args.json:
                failed = f"  FAILED on seeds {row['failed_seeds']}" if row["failed_seeds"] else ""
                print(f"scenario {name:<26} passed {row['passed']}  ({row['seconds']} s per seed){failed}", flush=True)
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
