"""uploaded series of any measure a team tracks (date, metric, value)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from vsm_core.store.migrate import refuse_downgrade


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'series_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('source_filename', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('source_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('series_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_import_team'), ['team'], unique=False)

    op.create_table(
        'series_point',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['import_id'], ['series_import.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('team', 'metric', 'day'),
    )
    with op.batch_alter_table('series_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_point_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_series_point_team'), ['team'], unique=False)


def downgrade() -> None:
    # Migrations only go forward: undoing this one would drop the teams' uploaded measures.
    refuse_downgrade()
