"""The browser practice app (`examkit practice serve`): practice, mock exams, review, progress."""
