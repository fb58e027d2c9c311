"""deployment and incident records of a team, for the DORA keys

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from vsm_core.store.migrate import refuse_downgrade


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'delivery_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('source_filename', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('source_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('delivery_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_import_team'), ['team'], unique=False)

    op.create_table(
        'deployment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('service', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('environment', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('commit_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('change_ids', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['import_id'], ['delivery_import.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('deployment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deployment_import_id'), ['import_id'], unique=False)

    op.create_table(
        'incident',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('service', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('deployment_ref', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(['import_id'], ['delivery_import.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_import_id'), ['import_id'], unique=False)


def downgrade() -> None:
    # Migrations only go forward: undoing this one would drop the teams' deployment records.
    refuse_downgrade()
