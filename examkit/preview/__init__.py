"""`examkit bank preview`: the live authoring preview of a folder of question files (`app.py`)."""
