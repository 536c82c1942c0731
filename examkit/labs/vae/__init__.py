"""Lab 11.2: the variational autoencoder (contract, checks, notebooks; probes run in the jail)."""

from pathlib import Path

from ..lab import Lab
from . import judges, notebook

LAB = Lab(
    key="vae",
    title="lab11.2_VAE",
    heading="Lab 11.2: Variational autoencoder (lab11.2_VAE)",
    contract=frozenset({"VAE", "kl_divergence", "vae_loss", "sample", "interpolate"}),
    checks=tuple(judges.CHECKS),
    cells=notebook.cells,
    pictures=judges.pictures,
    probe_timeouts={"vae_train": 30},
    extras=("vae_train",),
    folder=Path(__file__).parent,
)
