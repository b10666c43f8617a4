"""Corrections people send, in a real database: SQLite by default, PostgreSQL when DATABASE_URL says so.

One table, `corrections` (schema migrations by Alembic, backend/migrations/): per correction the
28x28 input the model saw, the original image, the label the person gave, the model's answer and
probabilities, the model's name and sha256, and the time -- no IP address, no user agent. The delete
token is kept only as its sha256. SQLite runs in WAL mode with a busy timeout, so the workers of one
server write side by side; several servers share corrections through one PostgreSQL.

    python -m backend.store upgrade     # the migrations, which the server also runs at startup
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.feedback import cause, database_url

metadata = sa.MetaData()
MAX_ID = 2**31 - 1  # the largest id an Integer column holds in PostgreSQL (SQLite's are wider)
corrections = sa.Table(
    "corrections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model", sa.String(100), nullable=False),
    sa.Column("model_sha256", sa.String(64), nullable=False),
    sa.Column("label", sa.Integer, nullable=False),
    sa.Column("predicted", sa.Integer, nullable=True),
    sa.Column("probabilities", sa.Text, nullable=False),  # JSON list, one per class
    sa.Column("input", sa.LargeBinary, nullable=False),  # the model's input field, uint8, row-major
    sa.Column("input_shape", sa.String(40), nullable=False),  # e.g. "28x28"
    sa.Column("image", sa.LargeBinary, nullable=False),  # the image as it was sent
    sa.Column("token_sha256", sa.String(64), nullable=False),
    sa.Index("corrections_label", "label"),
    sa.Index("corrections_model", "model"),
)  # the migrations build exactly this table (a test compares them); they repeat it, as history must not change


class StoreError(RuntimeError):
    """The database cannot be reached or migrated; the message says which and why."""


class FeedbackFull(Exception):
    """The store holds FEEDBACK_MAX_ROWS corrections already."""


class StoreUnavailable(Exception):
    """The database stopped answering after startup (a server down or restarting, SQLite locked past its busy
    timeout, a full disk): nothing was kept or changed. The message is the driver's, in one line."""


@contextmanager
def _answering():
    """Turn the driver's failures to reach or use the database into StoreUnavailable (a query's own errors stay
    what they are: bugs). The pool checks a connection before use, so once the database is back, so is the store."""
    try:
        yield
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        raise StoreUnavailable(cause(exc.orig or exc)) from None


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers and one writer at a time, without blocking each other
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged correction survives a power cut too
    cursor.execute("PRAGMA busy_timeout=10000")  # a writer waits its turn instead of failing
    cursor.close()


def make_engine(url: str | None) -> Engine:
    """An engine for DATABASE_URL (SQLite's folder created on first start)."""
    url = database_url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 10})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=4)


def upgrade(engine: Engine) -> None:
    """Run the Alembic migrations to head, once however many processes start together (a PostgreSQL
    advisory lock; SQLite serialises the writers itself)."""
    from alembic import command
    from alembic.config import Config

    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step is noise at every start
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(20261123)"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@dataclass(frozen=True)
class Correction:
    """What a person says about one answer."""

    model: str
    model_sha256: str
    label: int
    predicted: int | None
    probabilities: list[float]
    input: bytes
    input_shape: str
    image: bytes


class Store:
    """Add, delete and count corrections; export them as a data set."""

    def __init__(self, url: str | None, max_rows: int):
        try:
            self.engine = make_engine(url)
            upgrade(self.engine)
        except Exception as exc:  # noqa: BLE001 - drivers raise their own types; startup names the cause
            raise StoreError(f"the feedback database cannot be used: {cause(exc)}") from None
        self.max_rows = max_rows

    def after_fork(self) -> None:
        """A forked worker must not share the master's connections."""
        self.engine.dispose(close=False)

    def add(self, correction: Correction) -> tuple[int, str]:
        """Store a correction; return (id, delete token). Raises FeedbackFull at the cap."""
        token = secrets.token_urlsafe(24)
        with _answering(), self.engine.begin() as connection:
            if connection.execute(sa.select(sa.func.count()).select_from(corrections)).scalar_one() >= self.max_rows:
                raise FeedbackFull
            row = {
                **correction.__dict__,
                "probabilities": json.dumps(correction.probabilities),
                "created": datetime.now(UTC),
                "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
            }
            new_id = connection.execute(corrections.insert().values(**row)).inserted_primary_key[0]
        return int(new_id), token

    def delete(self, correction_id: int, token: str) -> bool | None:
        """Delete a correction if `token` is its own: True; False for a wrong token; None if there is no such id."""
        if not 0 < correction_id <= MAX_ID:  # no such row can exist; the database would refuse the number itself
            return None
        with _answering(), self.engine.begin() as connection:
            stored = connection.execute(sa.select(corrections.c.token_sha256).where(corrections.c.id == correction_id))
            expected = stored.scalar_one_or_none()
            if expected is None:
                return None
            if not secrets.compare_digest(expected, hashlib.sha256(token.encode()).hexdigest()):
                return False
            connection.execute(corrections.delete().where(corrections.c.id == correction_id))
            return True

    def stats(self) -> dict:
        """How many corrections there are, by label and by model (no images)."""
        with _answering(), self.engine.connect() as connection:
            by_label = connection.execute(sa.select(corrections.c.label, sa.func.count()).group_by(corrections.c.label))
            by_model = connection.execute(sa.select(corrections.c.model, sa.func.count()).group_by(corrections.c.model))
            labels = {str(k): n for k, n in by_label}
            return {"total": sum(labels.values()), "by_label": labels, "by_model": {k: n for k, n in by_model}}

    def rows(self):
        """Every correction, oldest first (for the export)."""
        with _answering(), self.engine.connect() as connection:
            yield from connection.execute(sa.select(corrections).order_by(corrections.c.id))


def main(argv: list[str] | None = None) -> None:
    """CLI: `python -m backend.store upgrade` migrates DATABASE_URL's database (the server does it at startup)."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["upgrade"]:
        raise SystemExit("usage: python -m backend.store upgrade   (the database is DATABASE_URL's, else SQLite)")
    engine = make_engine(os.environ.get("DATABASE_URL"))
    upgrade(engine)
    print(f"{engine.url.render_as_string(hide_password=True)}: migrated to head")


if __name__ == "__main__":
    main()
