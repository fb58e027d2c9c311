"""team members with roles, and the activity log of every change in a team

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from vsm_core.store.migrate import refuse_downgrade


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'team_member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('added_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('team', 'email'),
    )
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_member_team'), ['team'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_member_email'), ['email'], unique=False)

    op.create_table(
        'activity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('actor_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_team'), ['team'], unique=False)


def downgrade() -> None:
    # Migrations only go forward: undoing this one would drop who may see which team.
    refuse_downgrade()
