"""Lab 11.1: the DCGAN (contract, checks, notebooks; probes run in the jail)."""

from pathlib import Path

from ..lab import Lab
from . import judges, notebook

LAB = Lab(
    key="gan",
    title="lab11.1_GAN",
    heading="Lab 11.1: DCGAN (lab11.1_GAN)",
    contract=frozenset(
        {"Generator", "Discriminator", "weights_init", "discriminator_loss", "generator_loss", "train_step"}
    ),
    checks=tuple(judges.CHECKS),
    cells=notebook.cells,
    pictures=judges.pictures,
    probe_timeouts={"gan_train": 40},
    extras=("gan_train",),
    image_range=(-1.0, 1.0),
    folder=Path(__file__).parent,
)
