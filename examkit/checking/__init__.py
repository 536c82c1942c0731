"""Answer checking: safe parsing, equivalence, numbers, derivations, slips and verdicts.

The entry point graders use is `examkit.parts.check.check_answer`; it dispatches to the part
types in `examkit/parts/`, which build on the modules here (so this package imports none of them).
"""
