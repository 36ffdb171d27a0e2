"""Migrations: an empty file is brought to the newest revision, and models and migrations agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from carerdesk.db.engine import make_engine, sqlite_url
from carerdesk.db.migrate import MIGRATIONS, current_revision, head_revision, upgrade
from carerdesk.db.models import Base

TABLES = {
    "alembic_version",
    "audit",
    "cards",
    "carers",
    "caring_roles",
    "consents",
    "contacts",
    "emergency_contacts",
    "referral_events",
    "referral_destinations",
    "imported_records",
    "not_duplicates",
    "read_counts",
    "referrals",
    "settings",
    "users",
    "weekly_returns",
    "erased_figures",
}
FTS_TABLES = {
    "carers_fts",
    "carers_fts_config",
    "carers_fts_data",
    "carers_fts_docsize",
    "carers_fts_idx",
}
TRIGGERS = {"carers_fts_ai", "carers_fts_ad", "carers_fts_au"}


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """As ``migrations/env.py``: the full-text index is the migration's, not the models'."""
    return not (type_ == "table" and name is not None and name.startswith("carers_fts"))


def schema(engine: Engine) -> tuple[set[str], set[str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT type, name FROM sqlite_master")).all()
    return {n for t, n in rows if t == "table"}, {n for t, n in rows if t == "trigger"}


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": include_name, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))


def run(engine: Engine, what: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.execution_options(write=True).begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, what)(config, revision)


def test_upgrade_an_empty_file_then_nothing_to_do(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    engine = make_engine(sqlite_url(path))
    try:
        assert current_revision(engine) is None
        assert upgrade(engine) is True
        assert path.exists()
        tables, triggers = schema(engine)
        assert tables == TABLES | FTS_TABLES
        assert triggers == TRIGGERS
        assert current_revision(engine) == head_revision()
        assert upgrade(engine) is False
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_the_fixture_register_is_at_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert upgrade(engine) is False


def test_head_revision_is_the_only_head() -> None:
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert heads == [head_revision()]


def test_models_and_migrations_agree(engine: Engine) -> None:
    assert differences(engine) == []


def test_the_comparison_would_see_a_difference(engine: Engine) -> None:
    """The check above is not empty by accident: a column the models lack is reported."""
    with engine.execution_options(write=True).begin() as conn:
        conn.execute(text("ALTER TABLE settings ADD COLUMN extra TEXT"))
    found = differences(engine)
    assert any(d[0] == "remove_column" and d[2] == "settings" for d in found), found


def test_indexes_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in Base.metadata.sorted_tables:
            in_file = {i["name"] for i in inspector.get_indexes(table.name)}
            in_models = {i.name for i in table.indexes}
            assert in_file == in_models, table.name


def test_downgrade_to_base_and_upgrade_again(engine: Engine) -> None:
    run(engine, "downgrade", "base")
    tables, triggers = schema(engine)
    assert tables == {"alembic_version"} and triggers == set()
    assert current_revision(engine) is None
    assert upgrade(engine) is True
    assert current_revision(engine) == head_revision()
    assert schema(engine) == (TABLES | FTS_TABLES, TRIGGERS)
    assert differences(engine) == []
    with engine.execution_options(write=True).begin() as conn:  # the index works again
        conn.execute(
            text(
                "INSERT INTO carers (id, reference, first_name, last_name, date_of_birth,"
                " registered_on, consent_store, status, first_folded, last_folded, search_text,"
                " created_at, updated_at) VALUES ('x', 'C1', 'Ada', 'Quillfeather',"
                " '1971-03-14', '2026-11-02', 1, 'active', 'ada', 'quillfeather',"
                " 'ada quillfeather', '2026-11-02 10:00:00', '2026-11-02 10:00:00')"
            )
        )
        found = conn.execute(text("SELECT rowid FROM carers_fts WHERE carers_fts MATCH 'quill'"))
        assert len(found.all()) == 1


def test_head_constant_is_alembics_head() -> None:
    from carerdesk.db.migrate import HEAD, head_revision

    assert head_revision() == HEAD


def test_referral_contacts_move_from_the_settings_to_the_service_list_and_back(
    engine: Engine,
) -> None:
    run(engine, "downgrade", "0007")
    with engine.execution_options(write=True).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO settings (key, value) VALUES"
                " ('referral_to_counselling', 'Talking therapies, 020 7946 0777')"
            )
        )
    run(engine, "upgrade", "0008")
    with engine.connect() as conn:
        contact = conn.execute(
            text("SELECT contact FROM referral_destinations WHERE code = 'counselling'")
        ).scalar_one()
        left = conn.execute(text("SELECT count(*) FROM settings WHERE key LIKE 'referral_to_%'"))
        assert contact == "Talking therapies, 020 7946 0777"
        assert left.scalar_one() == 0
    run(engine, "downgrade", "0007")
    with engine.connect() as conn:
        back = conn.execute(
            text("SELECT value FROM settings WHERE key = 'referral_to_counselling'")
        ).scalar_one()
    assert back == "Talking therapies, 020 7946 0777"


def test_each_carers_consents_become_their_first_entries_and_go_again(engine: Engine) -> None:
    run(engine, "downgrade", "0014")
    with engine.execution_options(write=True).begin() as conn:
        for ref, store, on, by, share, contact in (
            ("C1", 1, "'2026-10-05'", "'Sam Staff'", 1, 0),
            ("C2", 1, "NULL", "NULL", "NULL", "NULL"),  # an old record: no date, no answers
        ):
            conn.execute(
                text(
                    "INSERT INTO carers (id, reference, first_name, last_name, date_of_birth,"
                    " registered_on, consent_store, consent_date, consent_by, consent_share,"
                    " consent_contact, status, first_folded, last_folded, search_text,"
                    f" created_at, updated_at, created_by) VALUES ('id-{ref}', '{ref}', 'Ada',"
                    " 'Quillfeather', '1971-03-14', '2026-10-01', "
                    f"{store}, {on}, {by}, {share}, {contact}, 'active', 'ada', 'quillfeather',"
                    " 'ada quillfeather', '2026-10-01 10:00:00.000000',"
                    " '2026-10-01 10:00:00.000000', 'Casey Coordinator')"
                )
            )
    run(engine, "upgrade", "0015")
    with engine.connect() as conn:
        entries = conn.execute(
            text(
                "SELECT carer_id, consent, given, date, how, recorded_by, created_at FROM consents"
                " ORDER BY carer_id, consent"
            )
        ).all()
    assert [tuple(row) for row in entries] == [
        ("id-C1", "contact", 0, "2026-10-05", None, "Sam Staff", "2026-10-01 10:00:00.000000"),
        ("id-C1", "share", 1, "2026-10-05", None, "Sam Staff", "2026-10-01 10:00:00.000000"),
        ("id-C1", "store", 1, "2026-10-05", None, "Sam Staff", "2026-10-01 10:00:00.000000"),
        ("id-C2", "store", 1, "2026-10-01", None, None, "2026-10-01 10:00:00.000000"),
    ]
    run(engine, "downgrade", "0014")
    assert "consents" not in schema(engine)[0]


def test_card_numbers_and_references_get_their_folded_keys(engine: Engine) -> None:
    """0017 fills in the keys of the records already there, and goes again."""
    run(engine, "downgrade", "0016")
    with engine.execution_options(write=True).begin() as conn:
        for ref in ("C000001", "abc-12"):  # the second as another tool may have written it
            conn.execute(
                text(
                    "INSERT INTO carers (id, reference, first_name, last_name, date_of_birth,"
                    " registered_on, consent_store, status, first_folded, last_folded,"
                    f" search_text, created_at, updated_at) VALUES ('id-{ref}', '{ref}', 'Ada',"
                    " 'Quillfeather', '1971-03-14', '2026-10-01', 1, 'active', 'ada',"
                    " 'quillfeather', 'ada quillfeather', '2026-10-01 10:00:00',"
                    " '2026-10-01 10:00:00')"
                )
            )
        for number in ("HC00001230", "X3F2A9", "1234 5678"):  # issued, erased, another tool
            conn.execute(
                text(
                    "INSERT INTO cards (id, card_number, carer_id, card_type, issue_reason,"
                    " issued_on, expires_on, status, created_at, updated_at) VALUES"
                    f" ('card-{number}', '{number}', 'id-C000001', 'carer_card', 'new',"
                    " '2026-10-01', '2029-09-30', 'active', '2026-10-01 10:00:00',"
                    " '2026-10-01 10:00:00')"
                )
            )
    run(engine, "upgrade", "0017")
    with engine.connect() as conn:
        references = conn.execute(text("SELECT reference, reference_key FROM carers")).all()
        numbers = conn.execute(text("SELECT card_number, number_key FROM cards")).all()
    assert sorted(map(tuple, references)) == [("C000001", "C000001"), ("abc-12", "ABC-12")]
    assert sorted(map(tuple, numbers)) == [
        ("1234 5678", "12345678"),
        ("HC00001230", "HC00001230"),
        ("X3F2A9", "X3F2A9"),
    ]
    run(engine, "downgrade", "0016")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("cards")}
    assert "number_key" not in columns
