r"""β-VAE: the VAE with the KL term weighted by β (Exam Q2).

L_β = -E_q[log p_θ(x|z)] + β D_KL(q_φ(z|x) || p(z)).  β > 1 buys a more factorized (disentangled),
prior-like code at the price of reconstructions; β < 1 the reverse (scenario `beta_tradeoff`).
"""

from .vae import VAE


class BetaVAE(VAE):
    def __init__(self, x_dim: int = 64, hidden: int = 128, latent_dim: int = 2, beta: float = 4.0):
        super().__init__(latent_dim=latent_dim, x_dim=x_dim, hidden=hidden)
        self.beta = beta
