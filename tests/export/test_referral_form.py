"""The referral form: what the service needs and nothing more, as text and as a PDF."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from carerdesk.core.entries import check_carer, check_role
from carerdesk.db import carers, destinations, referrals
from carerdesk.db.engine import unit_of_work
from carerdesk.export.referrals import ReferralForm, form_pdf, referral_form
from tests.conftest import COORDINATOR, STAFF

TODAY = date(2026, 11, 23)
NOTES = "Private: argued with the GP"


def test_the_form_holds_what_the_service_needs_and_never_the_notes(organised: Engine) -> None:
    with unit_of_work(organised) as session:
        destinations.change_service(
            session,
            COORDINATOR,
            "benefits_advice",
            {"name": "Benefits advice", "contact": "Welfare rights, 020 7946 0999"},
        )
        carer = carers.register_carer(
            session,
            check_carer(
                {
                    "first_name": "Siân",
                    "last_name": "Nguyễn",
                    "date_of_birth": "01/02/1970",
                    "mobile": "07700 900123",
                    "postcode": "HA1 2AB",
                    "hours_caring": "50_plus",
                    "registered_on": "02/11/2026",
                    "consent_store": "yes",
                    "consent_share": "yes",
                    "notes": NOTES,
                },
                TODAY,
            ),
            [check_role({"relationship": "parent", "conditions": "dementia;frailty"}, TODAY)],
            by=STAFF,
        )
        referral = referrals.make_referral(
            session,
            carer.id,
            destination="benefits_advice",
            reason="Help with a Carer's Allowance claim",
            hopes="A claim made before Christmas",
            by=STAFF,
        )
        referrals.send_referral(session, referral.id, confirmed=True, by=STAFF, today=TODAY)
        form = referral_form(session, referral.id, STAFF)
    text = form.text()
    assert text.startswith("Referral to Benefits advice from Harrow Carers Test\n")
    for line in (
        "Contact: Welfare rights, 020 7946 0999",
        "Name: Siân Nguyễn",
        "Date of birth: 01/02/1970",
        "Mobile: 07700 900123",
        "Address: HA1 2AB",
        "Cares for their parent: Dementia, Frailty",
        "Reason: Help with a Carer's Allowance claim",
        "They hope for: A claim made before Christmas",
        "Consent to share their details: confirmed by Sam Staff on 23/11/2026",
    ):
        assert line in text, line
    assert NOTES not in text
    pdf = PdfReader(io.BytesIO(form_pdf(form)))
    page = pdf.pages[0]
    assert (
        round(float(page.mediabox.width) * 25.4 / 72),
        round(float(page.mediabox.height) * 25.4 / 72),
    ) == (210, 297)
    words = " ".join(page.extract_text().split())
    assert "Siân Nguyễn" in words and "Help with a Carer's Allowance claim" in words
    assert "Private" not in words


def _word_boxes(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    """Each word poppler reads off the first page, with its box (x0, y0, x1, y1) in points."""
    html = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        (word, float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<',
            html,
        )
    ]


FORM = ReferralForm(
    "Referral to Benefits advice from Harrow Carers Test",
    [
        ("The carer", [("Name", "Zoë 🌻 Łukasz"), ("Known as", "Zo")]),
        (
            "The referral",
            [
                ("Reason", "Help with a claim 🙏🏽 before the winter"),
                ("Consent to share their details", "confirmed by Sam Staff on 23/11/2026"),
            ],
        ),
    ],
)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler is not installed")
def test_the_consent_label_no_longer_runs_into_its_value(tmp_path: Path) -> None:
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(form_pdf(FORM))
    words = _word_boxes(pdf)
    assert any(word == "Consent" for word, *_ in words)
    overlaps = [
        (a[0], b[0])
        for i, a in enumerate(words)
        for b in words[i + 1 :]
        if min(a[3], b[3]) - max(a[1], b[1]) > 0.5 and min(a[4], b[4]) - max(a[2], b[2]) > 0.5
    ]
    assert overlaps == []


def test_an_emoji_in_a_name_or_reason_is_printed_as_a_mark_not_dropped() -> None:
    text = PdfReader(io.BytesIO(form_pdf(FORM))).pages[0].extract_text()
    words = " ".join(text.split())
    assert "Zoë □ Łukasz" in words
    assert "Help with a claim □ before the winter" in words
