"""Train every reference model with its defaults and print time and quality figure per model.

Quality bars (issue 2): each model <= 60 s on this machine's CPU; VAE negative ELBO on held-out
digits; cGAN samples classified as their label >= 90 %; DCGAN Fréchet distance well below noise and
an untrained generator; WGAN-GP covers 8/8 ring modes.
Usage: python bench/reference_training.py [--only NAME ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile

from reference_models.runs import MODELS, train_reference

FIGURE = {
    "ae": lambda m: f"held-out squared error {m['test_recon_mse']:.2f} per image",
    "conv_ae": lambda m: f"held-out squared error {m['test_recon_mse']:.2f} per image",
    "vae": lambda m: f"held-out -ELBO {m['test_neg_elbo']:.2f} nats, IWAE log p(x) {m['test_iwae_log_likelihood']:.2f}",
    "conv_vae": lambda m: (
        f"held-out -ELBO {m['test_neg_elbo']:.1f} nats, IWAE log p(x) {m['test_iwae_log_likelihood']:.1f}"
    ),
    "beta_vae": lambda m: f"held-out recon {m['test_recon_nll']:.2f}, KL {m['test_kl']:.3f} (beta = 4)",
    "gan": lambda m: f"modes {m['modes_covered']}/8, high-quality share {m['high_quality_share']:.2f}",
    "wgan_gp": lambda m: f"modes {m['modes_covered']}/8, high-quality share {m['high_quality_share']:.2f}",
    "lsgan": lambda m: f"modes {m['modes_covered']}/8, high-quality share {m['high_quality_share']:.2f}",
    "dcgan": lambda m: (
        f"FD {m['frechet_distance']:.0f} (untrained G {m['frechet_distance_untrained']:.0f}, "
        f"noise {m['frechet_distance_noise']:.0f}), IS {m['inception_score']:.2f}"
    ),
    "cgan": lambda m: f"label accuracy {m['label_accuracy']:.3f}, FD {m['frechet_distance']:.0f}",
    "stylegan_mini": lambda m: (
        f"FD {m['frechet_distance']:.0f} (untrained {m['frechet_distance_untrained']:.0f}), IS {m['inception_score']:.2f}"
    ),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for name in args.only or MODELS:
        with tempfile.TemporaryDirectory() as out:
            result = train_reference(name, seed=0, out=out)
        m = result["metrics"]
        rows.append(
            {
                "model": name,
                "dataset": m["dataset"],
                "epochs": m["epochs"],
                "seconds": round(result["seconds"], 1),
                "figure": FIGURE[name](m),
            }
        )
        if not args.json:
            r = rows[-1]
            print(
                f"{name:<14} {r['dataset']:<11} {r['epochs']:>4} ep {r['seconds']:>6.1f} s  {r['figure']}", flush=True
            )
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
