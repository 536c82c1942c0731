"""The practice app's pages, one Blueprint per kind: questions (practise, check, preview), progress
(review, history, progress, plan, practice sheet) and mock exams. `practice/app.py` wires them."""
