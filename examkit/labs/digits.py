"""The labs' training digits, outside the jail: `reference_models/digits.py` (inside, the jail has
that file as `lab_probes/digits.py`, which the labs' `..digits` imports reach there)."""

from reference_models.digits import digits28, labels

__all__ = ["digits28", "labels"]
