"""Practice drills: fresh variants in the terminal, instant checking, spaced repetition, practice sheets."""
