"""The corrections table.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("model_sha256", sa.String(64), nullable=False),
        sa.Column("label", sa.Integer, nullable=False),
        sa.Column("predicted", sa.Integer, nullable=True),
        sa.Column("probabilities", sa.Text, nullable=False),
        sa.Column("input", sa.LargeBinary, nullable=False),
        sa.Column("input_shape", sa.String(40), nullable=False),
        sa.Column("image", sa.LargeBinary, nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
    )
    op.create_index("corrections_label", "corrections", ["label"])
    op.create_index("corrections_model", "corrections", ["model"])


def downgrade() -> None:
    op.drop_table("corrections")
