"""The referral form: plain text to paste into a secure email, and the same as a PDF.

Only what the service needs: the organisation's header, where the referral goes and how to
reach them, the carer's name, contact details and date of birth, their caring situation,
the reason, what they hope for and how urgent it is, and who confirmed their consent. Never
the carer's notes, nor anything else of the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from carerdesk.core import codes
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.validate import format_phone, local_date
from carerdesk.db import accounts, carers
from carerdesk.db.models import Destination
from carerdesk.db.referrals import get_referral
from carerdesk.export.cards import FONTS, inked


@dataclass(frozen=True)
class ReferralForm:
    """The form as sections of (label, text) lines."""

    title: str
    sections: list[tuple[str, list[tuple[str, str]]]]

    def text(self) -> str:
        """Plain text, for a secure email."""
        lines = [self.title, "=" * len(self.title)]
        for heading, rows in self.sections:
            lines += ["", heading, "-" * len(heading)]
            lines += [f"{label}: {value}" if label else value for label, value in rows]
        return "\n".join(lines) + "\n"


def referral_form(session: Session, referral_id: str, by: Actor) -> ReferralForm:
    """The form of one referral (who may refer may read it)."""
    by.require(Can.REFER)
    referral = get_referral(session, referral_id, by=by)
    carer = carers.get_carer(session, referral.carer_id, by=by, follow_merge=False)
    organisation = accounts.organisation(session)
    org_name = organisation.name if organisation else ""
    service = session.get(Destination, referral.destination)
    destination = service.name if service else referral.destination
    reach = (service.contact if service else None) or ""
    address = ", ".join(
        part
        for part in (carer.address_line_1, carer.address_line_2, carer.town, carer.postcode)
        if part
    )
    person = [
        ("Name", f"{carer.first_name} {carer.last_name}"),
        ("Known as", carer.preferred_name or ""),
        ("Date of birth", f"{carer.date_of_birth:%d/%m/%Y}" if carer.date_of_birth else ""),
        ("Phone", format_phone(carer.phone)),
        ("Mobile", format_phone(carer.mobile)),
        ("Email", carer.email or ""),
        ("Address", address),
        ("Best way to contact", codes.label(codes.PREFERRED_CONTACT, carer.preferred_contact)),
    ]
    made = referral.made_on or local_date(referral.created_at)
    caring = [
        (
            "Cares for their " + codes.label(codes.RELATIONSHIP, role.relationship_).lower(),
            ", ".join(
                filter(
                    None,
                    [
                        codes.label(codes.CARED_FOR_AGE_BAND, role.cared_for_age_band),
                        ", ".join(
                            codes.label(codes.CONDITION, c)
                            for c in (role.conditions or "").split(";")
                            if c
                        ),
                        "lives with them" if role.lives_with_carer else "",
                    ],
                )
            ),
        )
        for role in carer.roles
        if role.active_on(made)
    ]
    if carer.hours_caring:
        caring.append(("Caring", codes.label(codes.HOURS_CARING, carer.hours_caring)))
    consent = (
        f"confirmed by {referral.consent_confirmed_by} on {referral.consent_confirmed_on:%d/%m/%Y}"
        if referral.consent_confirmed_on
        else "not yet confirmed: this referral has not been sent"
    )
    return ReferralForm(
        f"Referral to {destination} from {org_name}".strip(),
        [
            (
                "From",
                [
                    ("Organisation", org_name),
                    ("Phone", format_phone(organisation.phone) if organisation else ""),
                    ("Referred by", referral.created_by or ""),
                    ("Date", made.strftime("%d/%m/%Y")),
                ],
            ),
            ("To", [("Service", destination), ("Contact", reach)]),
            ("The carer", [(label, value) for label, value in person if value]),
            ("Their caring situation", caring or [("", "Not recorded.")]),
            (
                "The referral",
                [
                    ("Urgency", codes.label(codes.URGENCY, referral.urgency)),
                    ("Reason", referral.reason),
                    ("They hope for", referral.hopes or ""),
                    ("Consent to share their details", consent),
                ],
            ),
        ],
    )


def form_pdf(form: ReferralForm) -> bytes:
    """The form on A4, in the font that has every name's letters."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(form.title)
    pdf.set_creator("carerdesk")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, inked(form.title))
    for heading, rows in form.sections:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 7, inked(heading), new_x="LMARGIN", new_y="NEXT")
        for label, value in rows:
            if not value:
                continue
            _row(pdf, inked(label), inked(value))
    return bytes(pdf.output())


LABEL_WIDTH = 55.0
"""The labels' column, mm: a longer label wraps within it rather than running into its
value."""


def _row(pdf, label: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """One label and its value side by side, each wrapping in its own column; the next row
    starts below the taller of the two (on a new page if the row would not fit)."""
    pdf.set_font("DejaVu", "B", 10)
    label_lines = pdf.multi_cell(LABEL_WIDTH - 2, 6, label, align="L", dry_run=True, output="LINES")
    pdf.set_font("DejaVu", "", 10)
    value_width = pdf.epw - LABEL_WIDTH
    value_lines = pdf.multi_cell(value_width, 6, value, align="L", dry_run=True, output="LINES")
    height = 6 * max(len(label_lines), len(value_lines))
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(LABEL_WIDTH - 2, 6, label, align="L")
    pdf.set_font("DejaVu", "", 10)
    pdf.set_xy(pdf.l_margin + LABEL_WIDTH, top)
    pdf.multi_cell(value_width, 6, value, align="L")
    pdf.set_xy(pdf.l_margin, top + height)
