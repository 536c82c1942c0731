"""The question bank: YAML templates -> seeded variants with computed answers."""

from .loader import BankError, Problem, load_bank, load_file
from .template import PartVariant, QuestionTemplate, Variant

__all__ = ["BankError", "Problem", "load_bank", "load_file", "QuestionTemplate", "Variant", "PartVariant"]
