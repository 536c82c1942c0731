"""`examkit reference`: the reference PyTorch models, their scenarios and cached runs."""

from __future__ import annotations

import json
import sys

from .. import api
from ..progress import Progress
from .common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_USAGE,
    json_option,
    print_json,
)


def cmd_reference_list(args) -> int:
    rows = api.reference_list()
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(
                f"{r['name']:<15} {r['family']:<12} default: {r['default_dataset']}, {r['default_epochs']} epochs  "
                f"({r['description']}; datasets: {', '.join(r['datasets'])}"
                + (f"; presets: {', '.join(r['presets'])}" if r["presets"] else "")
                + ")"
            )
    return EXIT_OK


def cmd_reference_train(args) -> int:
    try:
        result = api.reference_train(
            args.model,
            args.dataset,
            args.epochs,
            args.seed,
            args.out,
            progress_factory=lambda total, label: Progress(total, label, enabled=not args.json),
            preset=args.preset,
            latent_dim=args.latent,
            hidden=args.hidden,
            batch_size=args.batch_size,
            beta=args.beta,
            lr=args.lr,
            binarize=args.binarize,
        )
    except ValueError as exc:
        print(f"examkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from reference_models.health import message

    summary = {k: v for k, v in result["metrics"].items() if k != "history"}
    summary["seconds"] = round(result["seconds"], 1)
    summary["out"] = str(result["out"])
    health = summary["health"]
    if args.json:
        print_json(summary)
    else:
        for key, value in summary.items():
            if not isinstance(value, (list, dict)):
                print(f"{key:<40} {value}")
        print(f"{'healthy':<40} {health['healthy']}")
    if not health["healthy"]:
        print(
            f"examkit: the {args.model} run is unhealthy, not fit as ground truth: {message(health)} "
            f"(details: {result['out']}/metrics.json)",
            file=sys.stderr,
        )
        return EXIT_FAIL
    return EXIT_OK


def cmd_reference_scenarios(args) -> int:
    from reference_models.scenarios import SCENARIOS

    names = args.only or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(
            f"examkit: error: unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    summary = api.reference_scenarios(
        args.out, args.seed, names, progress=Progress(len(names), "scenarios", enabled=not args.json)
    )
    if args.json:
        print_json(summary)
    else:
        for name, s in summary.items():
            print(f"{'PASS' if s['passed'] else 'FAIL'}  {name:<26} {s['claim']}")
            print(f"      {json.dumps(s['metrics'])}")
    return EXIT_OK if all(s["passed"] for s in summary.values()) else EXIT_FAIL


def cmd_reference_cache_runs(args) -> int:
    from reference_models.cached_runs import SCENARIOS

    names = args.only or list(SCENARIOS)
    total = sum(len(SCENARIOS[n][1]) for n in names if n in SCENARIOS)
    try:
        report = api.reference_cache_runs(
            args.out, args.only, progress=Progress(total, "cached runs", enabled=not args.json)
        )
    except RuntimeError as exc:
        print(f"examkit: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        print_json({"out": str(args.out), "left_out": report})
    else:
        for name, dropped in report.items():
            print(f"{args.out}/{name}.json: {len(SCENARIOS[name][1]) - len(dropped)} runs")
            for line in dropped:
                print(f"  left out {line}")
    return EXIT_OK


def add_commands(sub) -> None:
    ref = sub.add_parser("reference", help="reference PyTorch models: train, failure scenarios").add_subparsers(
        dest="reference_command", required=True, metavar="ACTION"
    )
    p = ref.add_parser("list", help="the reference models and their data sets")
    json_option(p)
    p.set_defaults(func=cmd_reference_list)
    p = ref.add_parser(
        "train",
        help="train one model; writes metrics.json, model.pt and figures/ (exit 1 when the run is unhealthy)",
    )
    p.add_argument("model", help="reference model (see examkit reference list)")
    p.add_argument("--dataset", help="digits | digits28 | gaussians8 | gaussians25 | mnist:PATH")
    p.add_argument("--epochs", type=int, help="training epochs (default: the model's own)")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="training seed (default 0): the same seed gives the same metrics and figures",
    )
    p.add_argument("--out", required=True, help="output folder (created): metrics.json, model.pt, figures/")
    p.add_argument(
        "--preset",
        help="a published recipe to reproduce (vae: pytorch-examples = 784-400-20, batch 128, 10 epochs)",
    )
    p.add_argument("--latent", type=int, metavar="N", help="latent (code or z) size (default: the model's own)")
    p.add_argument("--hidden", type=int, metavar="N", help="hidden layer width of the MLP models")
    p.add_argument("--batch-size", type=int, metavar="N", help="minibatch size")
    p.add_argument("--beta", type=float, metavar="B", help="KL weight of the VAEs (1 = the ELBO; beta_vae: 4)")
    p.add_argument("--lr", type=float, metavar="LR", help="Adam learning rate (GANs: both players)")
    p.add_argument(
        "--binarize",
        choices=["static", "dynamic"],
        help="VAEs: train on binarized pixels, one fixed draw (static) or a fresh draw per batch (dynamic); "
        "the test set is one fixed draw either way",
    )
    json_option(p)
    p.set_defaults(func=cmd_reference_train)
    p = ref.add_parser("scenarios", help="run every failure scenario (mode collapse, KL collapse, ...)")
    p.add_argument("--out", required=True, help="output folder (created): one run per scenario and scenarios.json")
    p.add_argument("--seed", type=int, default=0, help="seed of every run (default 0)")
    p.add_argument("--only", action="append", metavar="NAME", help="run only this scenario (repeatable)")
    json_option(p)
    p.set_defaults(func=cmd_reference_scenarios)
    p = ref.add_parser(
        "cache-runs",
        help="train the runs behind the bank's diagnosis figures (questions/runs/*.json)",
        description="Runs each scenario's grid of seeded trainings and keeps the runs that show the "
        "scenario's story; questions with a {run: SCENARIO} parameter draw their numbers and figures from them.",
    )
    p.add_argument(
        "--out",
        default="questions/runs",
        help="folder of <scenario>.json files, the runs/ folder beside the bank's YAML files "
        "(default questions/runs, from the current folder)",
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="cache only this scenario (repeatable); an unknown name lists the scenarios",
    )
    json_option(p)
    p.set_defaults(func=cmd_reference_cache_runs)
