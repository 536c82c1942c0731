"""Paper answer sheets: their layout (one home for the geometry), the LaTeX that prints them and
the scanner that reads filled sheets back into the answers CSV `exam grade` takes."""
