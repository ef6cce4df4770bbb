import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import text

from gipkit.db import async_url, make_engine, sync_url, upgrade
from gipkit.testing.database import fresh_database_url, rollback_database

pytestmark = pytest.mark.anyio


def test_urls_get_the_right_drivers():
    assert str(async_url("sqlite:///var/x.db")) == "sqlite+aiosqlite:///var/x.db"
    assert str(sync_url("sqlite+aiosqlite:///var/x.db")) == "sqlite:///var/x.db"
    assert async_url("postgresql://u@h/d").drivername == "postgresql+psycopg"
    assert sync_url("postgresql+psycopg://u@h/d").drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="unsupported"):
        async_url("mysql://u@h/d")


async def test_sqlite_has_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/sub/dir/x.db")  # folders are created
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await engine.dispose()


@pytest.fixture
def migrations(tmp_path):
    """A one-revision Alembic project using gipkit's runner."""
    root = tmp_path / "migrations"
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text(
        "from sqlalchemy import MetaData\nfrom gipkit.db import run_migrations\n"
        "run_migrations(MetaData())\n"
    )
    (root / "versions" / "0001_t.py").write_text(
        textwrap.dedent(
            """
            import sqlalchemy as sa
            from alembic import op
            revision = "0001"
            down_revision = None
            def upgrade():
                op.create_table("parent", sa.Column("id", sa.Integer, primary_key=True))
                op.create_table(
                    "child",
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id"), nullable=False),
                )
            def downgrade():
                op.drop_table("child")
                op.drop_table("parent")
            """
        )
    )
    return root


@pytest.fixture
def migrated(migrations, tmp_path, worker_id):
    url = fresh_database_url(name=f"gipkit_db_{worker_id}", tmp_dir=tmp_path)
    upgrade(migrations, url)
    upgrade(migrations, url)  # a second run is a no-op
    return url


async def test_alembic_runner_builds_the_schema_and_fks_hold(migrated):
    async with rollback_database(migrated) as db, db.sessionmaker() as s:
        await s.execute(text("INSERT INTO parent (id) VALUES (1)"))
        await s.execute(text("INSERT INTO child (id, parent_id) VALUES (1, 1)"))
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            async with s.begin_nested():
                await s.execute(text("INSERT INTO child (id, parent_id) VALUES (2, 99)"))


async def test_per_test_rollback_leaves_nothing(migrated):
    async with rollback_database(migrated) as db:
        async with db.sessionmaker() as s:
            await s.execute(text("INSERT INTO parent (id) VALUES (7)"))
            await s.commit()  # only a savepoint
        async with db.sessionmaker() as s:
            assert (await s.execute(text("SELECT count(*) FROM parent"))).scalar() == 1
    async with rollback_database(migrated) as db, db.sessionmaker() as s:
        assert (await s.execute(text("SELECT count(*) FROM parent"))).scalar() == 0


def test_concurrent_upgrades_take_turns(migrations, tmp_path, worker_id):
    """Replicas starting together (k8s init containers) must not race on the same schema:
    three processes migrate one fresh database at once, and all succeed."""
    url = fresh_database_url(name=f"gipkit_race_{worker_id}", tmp_dir=tmp_path)
    script = "import sys; from gipkit.db import upgrade; upgrade(sys.argv[1], sys.argv[2])"
    rendered = url.render_as_string(hide_password=False)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(migrations), rendered],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], errors
