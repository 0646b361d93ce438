"""The store: opening, versioned migrations, and refusing what it cannot open."""

from __future__ import annotations

import duckdb
import pytest

from pivotwatch.errors import StoreError
from pivotwatch.store import open_store
from pivotwatch.store.schema import LATEST, MIGRATIONS


def test_a_version_1_store_is_migrated_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for sql in MIGRATIONS[0][2]:
        con.execute(sql)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO events (event_id, day, gdelt_version, file_id) "
                "VALUES (42, DATE '2024-01-01', 2, 'f')")
    con.close()
    with open_store(path) as st:
        assert st.schema_version() == LATEST
        assert st.con.execute("SELECT event_id FROM counted_ids").fetchall() == [(42,)]
        assert st.con.execute("SELECT count(*) FROM reference_events").fetchone()[0] == 0
        columns = [r[0] for r in st.con.execute("DESCRIBE files").fetchall()]
        assert "countries" in columns


def test_a_newer_store_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    with open_store(path, create=True) as st:
        st.con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                       [str(LATEST + 1)])
    with pytest.raises(StoreError, match="newer than this pivotwatch knows"):
        open_store(path)


def test_opening_twice_changes_nothing(tmp_path):
    path = tmp_path / "s.duckdb"
    open_store(path, create=True).close()
    with open_store(path) as st:
        assert st.schema_version() == LATEST
        # the schema version and how the derived tables were built, once each
        keys = st.con.execute("SELECT key FROM meta ORDER BY key").fetchall()
        assert keys == [("derived",), ("schema_version",)]
