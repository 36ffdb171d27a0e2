"""Register files in any encoding: read as they were written, or a person chooses; a name is
never changed on the way in."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer, Contact
from carerdesk.export import importer
from carerdesk.export.encodings import EncodingRefused, EncodingUnsure, choose
from carerdesk.export.importer import LargeCsv, import_register, read_source
from tests.conftest import COORDINATOR, TODAY

HEADER = "reference,first_name,last_name,date_of_birth,registered_on,consent_store\n"
WESTERN = (
    HEADER + "C000031,Zoë,Fairbrother,14/03/1971,02/11/2026,yes\n"
    "C000032,Siân,Pryce,01/06/1980,02/11/2026,yes\n"
    "C000033,Bríd,Ó Conaill,09/09/1955,02/11/2026,yes\n"
)
CENTRAL = (
    HEADER + "C000034,Łukasz,Wójcik,14/03/1971,02/11/2026,yes\n"
    "C000035,Antonín,Dvořák,01/06/1980,02/11/2026,yes\n"
)
POLISH = CENTRAL + "C000036,Zofia,Kowalska-Świątek,09/09/1955,02/11/2026,yes\n"
UNSURE = HEADER + "C000037,Maria,Muñoz,14/03/1971,02/11/2026,yes\n"


def names(text: str) -> list[tuple[str, str]]:
    return [tuple(line.split(",")[1:3]) for line in text.splitlines()[1:]]  # type: ignore[misc]


def stored(engine: Engine) -> list[tuple[str, str]]:
    with unit_of_work(engine, write=False) as session:
        found = session.execute(select(Carer.first_name, Carer.last_name).order_by(Carer.reference))
        return [(first, last) for first, last in found]


def load(engine: Engine, path: Path, encoding: str | None = None) -> None:
    with unit_of_work(engine) as session:
        outcome = import_register(
            session, COORDINATOR, read_source(path, encoding=encoding), today=TODAY
        )
    assert outcome.problems == [] and outcome.written


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (WESTERN, lambda text: text.encode("cp1252")),
        (WESTERN, lambda text: text.encode("mac_roman")),
        (CENTRAL, lambda text: text.encode("cp1250")),
        (POLISH, lambda text: text.encode("cp1250")),
        (POLISH, lambda text: text.encode("iso8859_2")),
        (CENTRAL, lambda text: text.encode("utf-8")),
        (CENTRAL, lambda text: text.encode("utf-8-sig")),
        (WESTERN, lambda text: text.encode("utf-16")),  # with a byte order mark
        (CENTRAL, lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be")),
        (WESTERN, lambda text: text.encode("utf-16-le")),  # without one
        (CENTRAL, lambda text: text.encode("utf-16-be")),
        (CENTRAL, lambda text: text.encode("utf-32")),
        (WESTERN, lambda text: codecs.BOM_UTF32_BE + text.encode("utf-32-be")),
        (WESTERN, lambda text: text.encode("utf-32-be")),
        (CENTRAL, lambda text: text.encode("utf-32-le")),
    ],
    ids=[
        "cp1252",
        "mac_roman",
        "cp1250",
        "cp1250-polish",
        "iso8859_2",
        "utf-8",
        "utf-8-bom",
        "utf-16-bom-le",
        "utf-16-bom-be",
        "utf-16-le",
        "utf-16-be",
        "utf-32-bom-le",
        "utf-32-bom-be",
        "utf-32-be",
        "utf-32-le",
    ],
)
def test_every_encoding_imports_the_names_exactly(
    engine: Engine, tmp_path: Path, text: str, written: object
) -> None:
    path = tmp_path / "carers.csv"
    path.write_bytes(written(text))  # type: ignore[operator]
    load(engine, path)
    assert stored(engine) == names(text)


def test_an_unsure_file_lists_the_candidates_with_sample_names(tmp_path: Path) -> None:
    raw = UNSURE.encode("cp1252")
    with pytest.raises(EncodingUnsure) as unsure:
        choose(raw, "carers.csv")
    shown = {candidate.encoding: candidate.samples for candidate in unsure.value.candidates}
    assert shown == {"cp1252": ("Muñoz",), "cp1250": ("Muńoz",)}
    assert "Mu" not in unsure.value.message  # the message names no one
    assert choose(raw, "carers.csv", "windows-1250") == "cp1250"


def test_one_stray_byte_in_a_utf8_file_is_refused_with_its_line(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "carers.csv"
    path.write_bytes(
        WESTERN.encode("utf-8") + b"C000038,Ren\xe9e,Smith,14/03/1971,02/11/2026,yes\n"
    )
    with pytest.raises(EncodingRefused) as refused:
        read_source(path)
    assert refused.value.message.startswith(
        "carers.csv: line 5, column 12: the file is almost all UTF-8, but the byte 0xE9 there "
        "is not: nothing was read, so no name is changed."
    )
    assert stored(engine) == []


def test_a_byte_the_chosen_encoding_lacks_is_refused_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "carers.csv"
    path.write_bytes(UNSURE.encode("cp1252") + b"C000039,Ada,Qu\x81ll,14/03/1971,,yes\n")
    with pytest.raises(EncodingRefused) as refused:
        read_source(path, encoding="cp1252")
    assert refused.value.message.startswith(
        "carers.csv: line 3, column 15: the byte 0x81 there cannot be read as Windows-1252"
    )


def test_a_large_file_is_read_by_the_helper_in_its_encoding(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "LARGE_BYTES", 1)
    files = tmp_path / "files"
    files.mkdir()
    (files / "carers.csv").write_bytes(WESTERN.encode("cp1252"))
    (files / "contacts.csv").write_bytes(
        "reference,contact_on,channel,support,notes\n"
        "C000031,03/11/2026,drop_in,information_advice,Zoë asked about Siân’s card\n".encode(
            "cp1252"
        )
    )
    sources = read_source(files)
    contacts = sources["contacts"]
    assert isinstance(contacts, LargeCsv) and contacts.encoding == "cp1252"

    def refuse(large: LargeCsv, today: object) -> None:
        raise AssertionError("checked in this process, not by the helper")

    monkeypatch.setattr(importer, "check_file", refuse)
    with unit_of_work(engine) as session:
        outcome = import_register(session, COORDINATOR, sources, today=TODAY)
    assert outcome.problems == [] and outcome.added["contacts"] == 1
    with unit_of_work(engine, write=False) as session:
        assert session.scalars(select(Contact.notes)).all() == ["Zoë asked about Siân’s card"]
    assert stored(engine) == names(WESTERN)


def test_a_large_file_with_a_byte_its_encoding_lacks_is_refused_by_the_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The byte is past what this process reads of a large file (its header): the helper
    # reads the rest, as strictly.
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"reference,contact_on,channel,notes\nC000031,01/11/2026,drop_in,Qu\x81l\n")
    large = LargeCsv(path, "contacts", ("reference", "contact_on", "channel", "notes"), "cp1252")
    with (
        importer._helper({"contacts": large}, TODAY) as collect,
        pytest.raises(importer.ImportRefused, match="line 2, column 30: the byte 0x81 there"),
    ):
        collect(large)
    monkeypatch.setattr(importer, "LARGE_BYTES", 1)
    with pytest.raises(EncodingRefused, match="line 2, column 30: the byte 0x81 there"):
        read_source(path, encoding="cp1252")  # within the header's reach: refused here


def test_a_windows_1252_file_with_word_processor_marks_is_still_sure() -> None:
    text = WESTERN + "C000040,Niamh,O’Brien,,,yes,“Paid £20 – 5°C…” said Zoë’s mum €5\n"
    assert choose(text.encode("cp1252"), "carers.csv") == "cp1252"
