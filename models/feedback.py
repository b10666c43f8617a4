"""The corrections people sent, as a data set file for training: `python -m models.feedback export`.

    python -m models.feedback export [--database URL] [--out corrections.npz] [--model NAME]

Reads the `corrections` table (backend/store.py writes it; DATABASE_URL's database, else the server's
SQLite file) and writes an .npz: x (N, 1, 28, 28) uint8 inputs as the model saw them, y (N,) the labels
people gave, predicted (N,) the model's answers (-1 where unknown), model and model_sha256 (N,), created
(N,) ISO times, id (N,). `python -m models.train --finetune CHECKPOINT --extra FILE` trains on it.
The server's GET /feedback/export gives the same file.
"""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'instance' / 'feedback.db'}"  # the server's


def dataset_bytes(rows: Iterable) -> bytes:
    """Rows of the corrections table -> the .npz data set file, as bytes."""
    rows = list(rows)
    shapes = [tuple(int(n) for n in r.input_shape.split("x")) for r in rows]
    x = (
        np.stack([np.frombuffer(r.input, np.uint8).reshape(1, *s) for r, s in zip(rows, shapes, strict=True)])
        if rows
        else np.zeros((0, 1, 28, 28), np.uint8)
    )
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        x=x,
        y=np.array([r.label for r in rows], np.int64),
        predicted=np.array([-1 if r.predicted is None else r.predicted for r in rows], np.int64),
        model=np.array([r.model for r in rows], dtype=str),
        model_sha256=np.array([r.model_sha256 for r in rows], dtype=str),
        created=np.array([r.created.isoformat() for r in rows], dtype=str),
        id=np.array([r.id for r in rows], np.int64),
    )
    return buf.getvalue()


def cause(exc: BaseException) -> str:
    """A database driver's error in one line: its type and its first line (drivers write several)."""
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def database_url(url: str | None) -> str:
    """DATABASE_URL as SQLAlchemy wants it (the server's SQLite file when unset): Heroku's postgres:// scheme,
    and plain postgresql://, use psycopg 3."""
    url = url or DEFAULT_URL
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def read_rows(url: str | None, model: str | None = None):
    """The corrections table's rows (optionally of one model), read by reflection: no server code needed."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url(url))
    table = sa.Table("corrections", sa.MetaData(), autoload_with=engine)
    query = sa.select(table).order_by(table.c.id)
    if model:
        query = query.where(table.c.model == model)
    with engine.connect() as connection:
        yield from connection.execute(query)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="write the corrections as a data set file")
    e.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL"),
        help="database URL (default: DATABASE_URL, else the server's SQLite)",
    )
    e.add_argument("--out", type=Path, default=Path("corrections.npz"), help="file to write (default: corrections.npz)")
    e.add_argument("--model", help="only the corrections of this served model (default: all)")
    args = p.parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError

    try:
        data = dataset_bytes(read_rows(args.database, args.model))
    except SQLAlchemyError as exc:  # no such database, driver or table: the cause, in one line
        raise SystemExit(f"error: the corrections cannot be read: {cause(exc)}") from None
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        raise SystemExit(f"error: cannot write {args.out}: {exc.strerror or exc}") from None
    with np.load(args.out) as saved:
        print(f"{args.out}: {len(saved['y'])} corrections, labels {np.bincount(saved['y'], minlength=10).tolist()}")


if __name__ == "__main__":
    main()
