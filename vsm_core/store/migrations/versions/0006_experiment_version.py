"""experiment version for optimistic locking; each history entry names the version it made

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from vsm_core.store.migrate import refuse_downgrade


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('experiment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('experiment_edit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=True))
    # Number the history already stored: the n-th entry of an experiment (oldest first)
    # made version n, and the experiment is at the number of its entries. Window
    # functions exist in SQLite 3.25+ and PostgreSQL alike.
    op.execute(
        """
        UPDATE experiment_edit SET version = (
            SELECT numbered.n FROM (
                SELECT id, ROW_NUMBER() OVER (
                    PARTITION BY experiment_id ORDER BY at, id
                ) AS n FROM experiment_edit
            ) AS numbered WHERE numbered.id = experiment_edit.id
        )
        """
    )
    op.execute(
        """
        UPDATE experiment SET version = COALESCE((
            SELECT COUNT(*) FROM experiment_edit WHERE experiment_edit.experiment_id = experiment.id
        ), 1)
        """
    )
    # Never below 1, even for an experiment whose history was lost.
    op.execute("UPDATE experiment SET version = 1 WHERE version < 1")


def downgrade() -> None:
    # Migrations only go forward: undoing this one would forget which edits conflicted.
    refuse_downgrade()
