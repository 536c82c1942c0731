"""Reference PyTorch implementations of the unit's models (issue 2): ground truth for grading."""
