r"""LSGAN (Section 6.3): least-squares losses with labels a = 0 (fake), b = 1 (real), c = 1.

D: ½ E[(D(x) - 1)²] + ½ E[D(G(z))²];  G: ½ E[(D(G(z)) - 1)²]   (`losses.lsgan_*`).
Fakes far from the data keep a non-vanishing gradient even when D classifies them correctly.
The networks are the MLPs of `gan.py`; the discriminator's output is read as an unbounded score
(no sigmoid), which is all that changes besides the loss.
"""

from .gan import Discriminator, Generator


def build(z_dim: int = 2, out_dim: int = 2, hidden: int = 128, out: str = "linear"):
    """(generator, score network) for a least-squares GAN."""
    return Generator(z_dim, hidden, out_dim, out), Discriminator(out_dim, hidden)
