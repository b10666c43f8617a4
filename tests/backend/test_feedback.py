"""Corrections: the API on real SQLite and PostgreSQL databases, limits, the export, restarts, shared servers."""

from __future__ import annotations

import base64
import io
import subprocess
import sys

import numpy as np
import pytest
import sqlalchemy as sa

from backend.app import create_app
from harness import ROOT
from harness.images import ONE, SEVEN, stroke_canvas
from harness.postgres import Postgres

ADMIN = "an-admin-token-for-tests"


@pytest.fixture(scope="module")
def postgres():
    with Postgres() as pg:
        yield pg


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'feedback.db'}"
    pg = request.getfixturevalue("postgres")
    engine = sa.create_engine(pg.url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:  # each test starts empty
        connection.execute(sa.text("DROP TABLE IF EXISTS corrections, alembic_version"))
    engine.dispose()
    return pg.url


def app_for(database: str, **settings):
    return create_app({"device": "cpu", "database_url": database, "admin_token": ADMIN, **settings})


def post(client, label, image=None, **kw):
    return client.post(f"/feedback?label={label}", data=image or stroke_canvas(SEVEN), content_type="image/png", **kw)


def test_a_correction_is_kept_counted_exported_and_undone(database):
    client = app_for(database).test_client()
    r = post(client, 1, headers={"User-Agent": "a-browser/1.0"})
    assert r.status_code == 201
    first = r.get_json()
    assert isinstance(first["id"], int) and len(first["delete_token"]) >= 24
    multipart = {"image": (io.BytesIO(stroke_canvas(ONE)), "one.png"), "label": "1", "predicted": "7"}
    assert client.post("/feedback", data=multipart, content_type="multipart/form-data").status_code == 201
    as_json = {"image": "data:image/png;base64," + base64.b64encode(stroke_canvas(SEVEN)).decode(), "label": 7}
    assert client.post("/feedback", json=as_json).status_code == 201
    assert client.get("/feedback/stats").get_json() == {
        "total": 3,
        "by_label": {"1": 2, "7": 1},
        "by_model": {"mnist": 3},
    }

    exported = client.get("/feedback/export", headers={"Authorization": f"Bearer {ADMIN}"})
    assert exported.status_code == 200 and exported.mimetype == "application/octet-stream"
    with np.load(io.BytesIO(exported.data)) as data:
        assert data["x"].shape == (3, 1, 28, 28) and data["x"].dtype == np.uint8 and data["x"].max() == 255
        assert data["y"].tolist() == [1, 1, 7] and data["predicted"].tolist() == [7, 7, 7]  # the model read 7s
        assert set(data["model"].tolist()) == {"mnist"} and len(data["model_sha256"][0]) == 64

    delete = f"/feedback/{first['id']}"
    assert client.delete(delete).status_code == 401
    assert client.delete(delete, headers={"X-Delete-Token": "not-the-token"}).status_code == 403
    assert client.delete(delete, headers={"X-Delete-Token": first["delete_token"]}).status_code == 204
    assert client.delete(delete, headers={"X-Delete-Token": first["delete_token"]}).status_code == 404
    assert client.get("/feedback/stats").get_json()["total"] == 2


@pytest.mark.parametrize("correction_id", [0, 2**31, 10**20])  # none can exist; 2**31 is past PostgreSQL's integer
def test_undoing_a_correction_no_id_can_name_is_not_found(database, correction_id):
    client = app_for(database).test_client()
    assert post(client, 1).status_code == 201  # the table is there: the database is asked, or could be
    r = client.delete(f"/feedback/{correction_id}", headers={"X-Delete-Token": "a-token"})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_nothing_about_the_sender_is_stored(database):
    client = app_for(database).test_client()
    post(client, 3, headers={"User-Agent": "very-identifying-agent", "X-Forwarded-For": "203.0.113.9"})
    engine = sa.create_engine(database.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        columns = [c["name"] for c in sa.inspect(connection).get_columns("corrections")]
        row = connection.execute(sa.text("SELECT * FROM corrections")).one()
    engine.dispose()
    assert not {"ip", "address", "user_agent", "agent"} & set(columns)
    assert not any(
        isinstance(v, (str, bytes))
        and (
            b"203.0.113.9" in (v if isinstance(v, bytes) else v.encode())
            or b"very-identifying" in (v if isinstance(v, bytes) else v.encode())
        )
        for v in row
    )


@pytest.mark.parametrize(
    "query, body, status, code",
    [
        ("", None, 400, "missing_label"),
        ("?label=x", None, 400, "invalid_label"),
        ("?label=10", None, 400, "invalid_label"),
        ("?label=-1", None, 400, "invalid_label"),
        ("?label=3&predicted=12", None, 400, "invalid_predicted"),
        ("?label=3&model=nope", None, 404, "unknown_model"),
        ("?label=3", b"not an image", 422, "undecodable_image"),
        ("?label=3", b"\0" * (3 << 20), 413, "request_entity_too_large"),
    ],
)
def test_bad_corrections_get_their_json_error(query, body, status, code, tmp_path):
    client = app_for(f"sqlite:///{tmp_path / 'f.db'}").test_client()
    r = client.post(
        f"/feedback{query}", data=body if body is not None else stroke_canvas(SEVEN), content_type="image/png"
    )
    assert r.status_code == status and r.get_json()["error"]["code"] == code
    assert client.get("/feedback/stats").get_json()["total"] == 0


def test_a_label_for_a_clothing_model_is_its_class_index(tmp_path):
    client = app_for(f"sqlite:///{tmp_path / 'f.db'}").test_client()
    assert post(client, 9, **{}).status_code == 201
    r = client.post("/feedback?label=9&model=fashion-mnist", data=stroke_canvas(ONE), content_type="image/png")
    assert r.status_code == 201
    assert client.get("/feedback/stats").get_json()["by_model"] == {"mnist": 1, "fashion-mnist": 1}


def test_the_cap_and_the_rate_limit_answer_clearly(tmp_path):
    client = app_for(f"sqlite:///{tmp_path / 'f.db'}", feedback_max_rows=2).test_client()
    assert [post(client, 7).status_code for _ in range(3)] == [201, 201, 507]
    assert post(client, 7).get_json()["error"]["code"] == "feedback_full"
    limited = app_for(f"sqlite:///{tmp_path / 'g.db'}", feedback_rate_limit="3/minute").test_client()
    answers = [post(limited, 7) for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert answers[-1].get_json()["error"]["code"] == "too_many_requests" and answers[-1].headers["Retry-After"]
    assert limited.post("/predict", data=stroke_canvas(SEVEN), content_type="image/png").status_code == 200


def test_the_export_needs_the_admin_token_and_is_absent_without_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'f.db'}"
    assert create_app({"device": "cpu", "database_url": url}).test_client().get("/feedback/export").status_code == 404
    client = app_for(url).test_client()
    assert client.get("/feedback/export").status_code == 401
    assert client.get("/feedback/export", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_corrections_survive_a_restart_and_two_servers_share_one_database(database):
    first = app_for(database).test_client()
    post(first, 4)
    second = app_for(database).test_client()  # another process would see the same: it is the database's
    post(second, 5)
    for client in (first, second):
        assert client.get("/feedback/stats").get_json()["by_label"] == {"4": 1, "5": 1}


def test_the_export_command_says_in_one_line_what_it_cannot_read_or_write(tmp_path):
    url = f"sqlite:///{tmp_path / 'f.db'}"
    post(app_for(url).test_client(), 1)  # a database with one correction
    for args, says in [
        (["--database", "nope://x"], "the corrections cannot be read: NoSuchModuleError"),
        (
            ["--database", f"sqlite:///{tmp_path / 'no-dir' / 'x.db'}"],
            "the corrections cannot be read: OperationalError",
        ),
        (["--database", url, "--out", str(tmp_path / "no-dir" / "c.npz")], "cannot write"),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "models.feedback", "export", "--out", str(tmp_path / "c.npz"), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        said = done.stderr.strip()
        assert done.returncode == 1 and said.startswith(f"error: {says}") and "\n" not in said, said


def test_the_export_command_writes_what_the_api_exports(tmp_path):
    url = f"sqlite:///{tmp_path / 'f.db'}"
    client = app_for(url).test_client()
    for label in (1, 2, 3):
        post(client, label)
    out = tmp_path / "c.npz"
    subprocess.run(
        [sys.executable, "-m", "models.feedback", "export", "--database", url, "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    api = np.load(io.BytesIO(client.get("/feedback/export", headers={"Authorization": f"Bearer {ADMIN}"}).data))
    with np.load(out) as cli:
        assert np.array_equal(cli["x"], api["x"]) and cli["y"].tolist() == [1, 2, 3]


def test_migrations_run_by_the_documented_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    out = subprocess.run(
        [sys.executable, "-m", "backend.store", "upgrade"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert "migrated to head" in out.stdout
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0001"
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar_one() == "wal"


def test_the_migrations_build_exactly_the_table_the_code_writes(database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from backend import store

    engine = store.make_engine(database)
    store.upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), store.metadata)
    engine.dispose()
    assert differences == []


def test_an_unreachable_database_stops_startup_with_one_line(postgres):
    from backend.app import StartupError

    with pytest.raises(StartupError, match="the feedback database cannot be used") as err:
        create_app({"device": "cpu", "database_url": "postgresql://app@127.0.0.1:1/none"})
    assert "\n" not in str(err.value)


def test_a_database_that_stops_answering_gets_503s_and_is_used_again_once_back(caplog):
    with Postgres() as pg:
        client = app_for(pg.url).test_client()
        assert post(client, 7).status_code == 201
        pg.pause()
        admin = {"Authorization": f"Bearer {ADMIN}"}
        for answer in (
            post(client, 1),
            client.delete("/feedback/1", headers={"X-Delete-Token": "any"}),
            client.get("/feedback/stats"),
            client.get("/feedback/export", headers=admin),
        ):
            assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "feedback_unavailable"
            assert answer.headers["Retry-After"].isdigit()
        assert client.post("/predict", data=stroke_canvas(SEVEN), content_type="image/png").status_code == 200
        pg.resume()
        assert post(client, 1).status_code == 201
        assert client.get("/feedback/stats").get_json()["total"] == 2  # the first one; nothing while it was down
    assert not [record for record in caplog.records if record.exc_info]  # one warning each, no traceback
