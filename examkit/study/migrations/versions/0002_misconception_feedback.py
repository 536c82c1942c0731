"""What the checker said about a wrong answer: the named misconception it matched and the feedback
the student was shown, kept with the attempt so an instructor can see which mistakes a class makes
(classroom/dashboard.py). Both nullable: attempts recorded before this revision, and answers with
no named mistake or no feedback, have none. Written out here, not imported from tables.py."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("attempts", sa.Column("misconception", sa.Text, nullable=True))
    op.add_column("attempts", sa.Column("feedback", sa.Text, nullable=True))
