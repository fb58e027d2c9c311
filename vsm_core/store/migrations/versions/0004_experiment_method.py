"""experiment comparison method: items by start (censored) or by done date

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from vsm_core.store.migrate import refuse_downgrade


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Every experiment stored before this revision was judged by start date (the only
    # method the app offered as its verdict), so the server default gives them "start".
    # Adding a NOT NULL column with a default needs no table rebuild on SQLite.
    with op.batch_alter_table('experiment', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'method',
                sqlmodel.sql.sqltypes.AutoString(length=20),
                server_default='start',
                nullable=False,
            )
        )


def downgrade() -> None:
    # Migrations only go forward: undoing this one would drop the experiments' chosen method.
    refuse_downgrade()
