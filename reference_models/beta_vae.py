r"""β-VAE: the VAE with the KL term weighted by β (Exam Q2).

L_β = -E_q[log p_θ(x|z)] + β D_KL(q_φ(z|x) || p(z)).  β > 1 buys a more factorized (disentangled),
prior-like code at the price of reconstructions; β < 1 the reverse (scenario `beta_tradeoff`).
The network is `vae.VAE`; only the objective's weight differs. L_β is what training minimizes;
the −ELBO (β = 1) is what a β-VAE is evaluated on, as a bound on −log p(x).

The reference runs use the 28x28 digits and an 8-d code. On the 8x8 digits, β = 4 closes the code
whatever its size (KL ≈ 0, every sample the same blob): there, one nat of code buys less than four
nats of reconstruction, so collapse is the optimum of L_β. At 28x28 the same digits are worth ten
times more nats, and β = 0.5, 1, 2, 4 trade KL (16 -> 6 nats) for reconstruction (273 -> 290 nats)
with 7-8 dimensions active: the trade-off β is meant to show (scenario `beta_tradeoff`).
"""

from dataclasses import dataclass

from . import vae


@dataclass
class Config(vae.Config):
    """A reference β-VAE run: vae.Config with β = 4, an 8-d code and a 28x28-sized hidden layer."""

    latent_dim: int = 8
    hidden: int = 256
    beta: float = 4.0

    @classmethod
    def for_dataset(cls, dataset: str) -> "Config":
        return cls(hidden=128) if dataset == "digits" else cls()


def build(config: Config, x_dim: int) -> vae.VAE:
    return vae.build(config, x_dim)
