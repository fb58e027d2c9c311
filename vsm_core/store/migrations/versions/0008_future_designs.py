"""saved future-state designs, their prediction and the experiment each became

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from vsm_core.store.migrate import refuse_downgrade


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Foreign keys are RESTRICT, as for the experiments: the store archives (instead of
    # deleting) a version a design was computed on, and no cascade removes a design.
    op.create_table(
        'future_design',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dataset_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('record', sa.JSON(), nullable=False),
        sa.Column('experiment_id', sa.Integer(), nullable=True),
        sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['version_id'], ['dataset_version.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['experiment_id'], ['experiment.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('future_design', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_future_design_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_future_design_version_id'), ['version_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_future_design_experiment_id'), ['experiment_id'], unique=False
        )


def downgrade() -> None:
    # Migrations only go forward: undoing this one would drop the teams' saved designs.
    refuse_downgrade()
