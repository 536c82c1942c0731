"""Randomized exams: spec -> per-student versions -> LaTeX/PDF, keys, manifest, exports, grading."""
