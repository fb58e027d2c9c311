"""retrospectives: when a team looked back, who came, what was said, the experiments started

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from vsm_core.store.migrate import refuse_downgrade


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Foreign keys are RESTRICT, as for the experiments: a retrospective is never removed by
    # a cascade, and the store archives (instead of deleting) the dataset it refers to.
    op.create_table('retrospective',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('retrospective', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retrospective_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_retrospective_team'), ['team'], unique=False)

    op.create_table('retrospective_experiment',
    sa.Column('retrospective_id', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiment.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['retrospective_id'], ['retrospective.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('retrospective_id', 'experiment_id')
    )
    with op.batch_alter_table('retrospective_experiment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retrospective_experiment_experiment_id'), ['experiment_id'], unique=False)


def downgrade() -> None:
    # Migrations only go forward: undoing this one would drop the teams' retrospectives.
    refuse_downgrade()
