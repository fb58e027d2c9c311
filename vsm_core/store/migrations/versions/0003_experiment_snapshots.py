"""experiment snapshots: the evidence an experiment was reviewed on

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from vsm_core.store.migrate import refuse_downgrade


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # RESTRICT on version_id: the store archives the version a snapshot was judged on
    # instead of deleting it, so a reviewed experiment keeps its evidence.
    op.create_table('experiment_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiment.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['version_id'], ['dataset_version.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('experiment_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experiment_snapshot_experiment_id'), ['experiment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_experiment_snapshot_version_id'), ['version_id'], unique=False)


def downgrade() -> None:
    # Migrations only go forward: undoing this one would drop stored data.
    refuse_downgrade()
