r"""LSGAN (Section 6.3): least-squares losses with labels a = 0 (fake), b = 1 (real), c = 1.

D: ½ E[(D(x) - 1)²] + ½ E[D(G(z))²];  G: ½ E[(D(G(z)) - 1)²]   (`losses.lsgan_*`).
Fakes far from the data keep a non-vanishing gradient even when D classifies them correctly.
The networks are the MLPs of `gan.py`; the discriminator's output is read as an unbounded score
(no sigmoid), which is all that changes besides the loss.
"""

from dataclasses import dataclass

from . import gan


@dataclass
class Config(gan.Config):
    """gan.Config with the least-squares loss. On the mixtures, the same 2,500 generator steps in
    batches of 64 (not 256): at batch 256 one of the 8 ring modes is lost on some seeds."""

    loss: str = "ls"
    batch_size: int = 64
    epochs: int = 8

    @classmethod
    def for_dataset(cls, dataset: str) -> "Config":
        if dataset.startswith("gaussians"):
            return cls()
        base = gan.Config.for_dataset(dataset)
        return cls(**{**base.__dict__, "loss": "ls"})


def build(config: Config, x_dim: int):
    """(generator, score network) for a least-squares GAN."""
    return gan.build(config, x_dim)
