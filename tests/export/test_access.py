"""A subject access copy as written: the JSON file and the PDF read back, holding every record
of one carer and nothing of the two others who share their surname, phone and postcode."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from carerdesk.db import access
from carerdesk.db.access import Column, Section, SubjectAccess
from carerdesk.db.engine import unit_of_work
from carerdesk.export.access import write_access
from tests.conftest import COORDINATOR, TODAY
from tests.db.okafors import SURNAME, Okafor, build

MM = 72 / 25.4
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no pdftotext")


@pytest.fixture
def okafors(engine: Engine, tmp_path: Path) -> tuple[Okafor, ...]:
    return build(engine, tmp_path)


def _write(engine: Engine, person: Okafor, out: Path) -> tuple[Path, Path]:
    with unit_of_work(engine) as session:
        copy = access.subject_access(session, person.reference, by=COORDINATOR, today=TODAY)
        return write_access(copy, out)


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True)
    return done.stdout.decode("utf-8")


def _squeezed(text: str) -> str:
    """Without spaces or line ends: a phone number or note wrapped in a table cell is found."""
    return re.sub(r"\s+", "", text)


def test_the_two_files_go_in_a_folder_named_after_the_reference_and_day(
    engine: Engine, okafors: tuple[Okafor, ...], tmp_path: Path
) -> None:
    adaeze = okafors[0]
    json_path, pdf_path = _write(engine, adaeze, tmp_path / "out")
    folder = tmp_path / "out" / f"{adaeze.reference}-2026-11-23"
    assert {json_path, pdf_path} == set(folder.iterdir())
    assert (json_path.suffix, pdf_path.suffix) == (".json", ".pdf")
    assert folder.stat().st_mode & 0o077 == 0
    assert all(path.stat().st_mode & 0o077 == 0 for path in (json_path, pdf_path))


def test_the_json_holds_every_record_with_codes_labelled_and_dates_iso(
    engine: Engine, okafors: tuple[Okafor, ...], tmp_path: Path
) -> None:
    adaeze = okafors[0]
    json_path, _ = _write(engine, adaeze, tmp_path / "out")
    document = json.loads(json_path.read_text(encoding="utf-8"))
    counts = {
        key: len(part["records"])
        for key, part in document.items()
        if key != "subject_access_request"
    }
    assert {key: n for key, n in counts.items() if key != "audit_trail"} == {
        "carer": 1,
        "consents": 4,
        "consent_history": 4,
        "caring_roles": 2,
        "contacts": 4,
        "cards": 1,
        "emergency_contacts": 1,
        "referrals": 1,
        "referral_steps": 2,
        "merged_records": 1,
        "event_imports": 1,
        "not_duplicates": 1,
    }
    assert counts["audit_trail"] > 10
    request = document["subject_access_request"]
    assert (request["reference"], request["requested_on"]) == (adaeze.reference, "2026-11-23")
    assert request["organisation"] == "Harrow Carers Test"
    (carer,) = document["carer"]["records"]
    assert carer["date_of_birth"] == "1971-03-14"
    assert (carer["ethnicity"], carer["ethnicity_label"]) == ("african", "Black: African")
    assert carer["consent_share"] is True and carer["phone"] == "+442079460555"
    assert document["carer"]["fields"]["ethnicity"] == "Ethnicity"
    contact = document["contacts"]["records"][0]
    assert contact["support"] == ["information_advice", "training"]
    assert contact["support_label"] == ["Information and advice", "Training"]
    role = document["caring_roles"]["records"][0]
    assert role["conditions_label"] == ["Dementia", "Frailty"]
    assert document["referrals"]["records"][0]["destination_label"] == "Benefits advice"
    entry = document["audit_trail"]["records"][-1]
    assert entry["action"] == "subject access"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", entry["at"])
    # Stable: the same fields in the same order every time, as declared.
    assert list(carer)[:4] == ["id", "reference", "first_name", "last_name"]
    again, _ = _write(engine, adaeze, tmp_path / "again")
    redone = json.loads(again.read_text(encoding="utf-8"))
    assert list(redone) == list(document)
    assert [list(r) for r in redone["contacts"]["records"]] == [
        list(r) for r in document["contacts"]["records"]
    ]


@needs_poppler
def test_nothing_of_the_others_is_in_either_file(
    engine: Engine, okafors: tuple[Okafor, ...], tmp_path: Path
) -> None:
    for person in okafors:
        json_path, pdf_path = _write(engine, person, tmp_path / person.first)
        written = {
            "JSON": _squeezed(json_path.read_text(encoding="utf-8")),
            "PDF": _squeezed(_pdf_text(pdf_path)),
        }
        for kind, text in written.items():
            assert _squeezed(f"{person.first} {SURNAME}") in text, kind
            for own in (person.emergency[0], f"{person.first}'s first note"):
                assert _squeezed(own) in text, f"{own} not in {person.first}'s {kind}"
            stored, dialled = person.words[3], _squeezed(person.mobile)
            assert (stored if kind == "JSON" else dialled) in text
            for other in okafors:
                if other is person:
                    continue
                found = [word for word in other.words if _squeezed(word) in text]
                assert not found, f"{other.first}'s {found} in {person.first}'s {kind}"


@needs_poppler
def test_the_pdf_is_a4_in_plain_english_with_headings_and_page_numbers(
    engine: Engine, okafors: tuple[Okafor, ...], tmp_path: Path
) -> None:
    _, pdf_path = _write(engine, okafors[1], tmp_path / "out")
    pages = PdfReader(io.BytesIO(pdf_path.read_bytes())).pages
    assert len(pages) > 1
    for page in pages:
        size = (float(page.mediabox.width) / MM, float(page.mediabox.height) / MM)
        assert size == pytest.approx((210, 297), abs=0.5)
    text = _pdf_text(pdf_path)
    assert "Harrow Carers Test" in text
    assert f"Everything we hold about Bisi Okafor ({okafors[1].reference})" in text
    assert "requested 23 November 2026" in text
    for heading in (
        "Your details",
        "Whom you care for",
        "Your contacts with us",
        "Your cards and passports",
        "Your emergency contacts",
        "Your referrals to other services",
        "Records merged into yours",
        "Records from events joined to yours",
        "Who looked at or changed your record",
    ):
        assert heading in text
    assert f"Page 1 of {len(pages)}" in text and f"Page {len(pages)} of {len(pages)}" in text
    assert "Black: African" in text and "african" not in text  # labels, not codes
    assert "14 March 1971" not in text and "2 July 1975" in text  # Bisi's birthday, in words


@needs_poppler
def test_a_note_longer_than_a_page_and_a_word_wider_than_one_are_printed_whole(
    tmp_path: Path,
) -> None:
    note = " ".join(f"word{n:04}" for n in range(1, 560))  # 5,000 characters: the most kept
    address = "https://example.org/" + "a" * 280
    columns = (Column("contact_on", "Date"), Column("notes", "Notes"), Column("staff", "Seen by"))
    rows = ((date(2026, 11, 3), note, "Sam Staff"), (date(2026, 11, 4), address, "Sam Staff"))
    copy = SubjectAccess(
        "C000001", "Ada Quill", "Harrow Carers Test", TODAY, COORDINATOR.name,
        datetime(2026, 11, 23, 10, 30),
        (
            Section("contacts", "Your contacts with us", "Each contact.", columns, rows),
            Section("listed", "Each on its own", "Each record.", columns, rows, each=True),
        ),
    )  # fmt: skip
    _, pdf_path = write_access(copy, tmp_path)
    text = _pdf_text(pdf_path)
    assert all(text.count(f"word{n:04}") == 2 for n in range(1, 560))
    assert _squeezed(text).count(address) == 2
