"""The referral form: what the service needs and nothing more, as text and as a PDF."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from sqlalchemy import Engine

from carerdesk.core.entries import check_carer, check_role
from carerdesk.db import carers, destinations, referrals
from carerdesk.db.engine import unit_of_work
from carerdesk.export.referrals import form_pdf, referral_form
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
