"""numbers computed once per dataset version and kept (the Organisation rows)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from vsm_core.store.migrate import refuse_downgrade


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # A cache of what an immutable version computes to: dropping it loses nothing but time.
    op.create_table(
        'version_summary',
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['version_id'], ['dataset_version.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('version_id', 'key'),
    )


def downgrade() -> None:
    # Migrations only go forward, like every other one.
    refuse_downgrade()
