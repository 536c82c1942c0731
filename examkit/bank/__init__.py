"""The question bank: YAML templates -> seeded variants with computed answers."""
from .loader import BankError, Problem, load_bank, load_file
from .template import QuestionTemplate, Variant, PartVariant

__all__ = ["BankError", "Problem", "load_bank", "load_file", "QuestionTemplate", "Variant", "PartVariant"]
