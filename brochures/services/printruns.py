"""The print-run log of editions: copies printed, where, and how many went to each region.

Totals per region only: the log never holds who received a copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from brochures.models import Brochure, Edition, PrintRun
from brochures.services.common import BrochureError
from school.extensions import db

MAX_REGIONS = 100
_LINE = re.compile(r"^(?P<region>.+?)\s*[:—–-]\s*(?P<copies>\d{1,9})$")


@dataclass(frozen=True)
class PrintRunInput:
    printed_on: date
    copies: int
    printing_house: str = ""
    sent: list[tuple[str, int]] = field(default_factory=list)


def parse_sent(text: str) -> list[tuple[str, int]]:
    """``"Region: copies"``, one region a line, into pairs; a line of another form is refused."""
    sent: dict[str, int] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None or len(match["region"]) > 120:
            raise BrochureError(_l("Write one region a line, as “Region: copies”."), field="sent")
        region = match["region"].strip()
        sent[region] = sent.get(region, 0) + int(match["copies"])
    if len(sent) > MAX_REGIONS:
        raise BrochureError(_l("At most 100 regions a print run."), field="sent")
    return list(sent.items())


def add_print_run(edition: Edition, data: PrintRunInput) -> PrintRun:
    """Log a print run of the edition; more sent than printed is refused."""
    if sum(copies for _, copies in data.sent) > data.copies:
        raise BrochureError(_l("More copies sent than printed."), field="sent")
    run = PrintRun(
        edition=edition,
        printed_on=data.printed_on,
        copies=data.copies,
        printing_house=data.printing_house.strip(),
        sent=[[region, copies] for region, copies in data.sent],
    )
    db.session.add(run)
    db.session.commit()
    return run


def printed_copies(brochure: Brochure) -> int:
    """Copies of every edition of the brochure printed so far (one query)."""
    total = db.session.scalar(
        select(func.sum(PrintRun.copies))
        .join(Edition, Edition.id == PrintRun.edition_id)
        .where(Edition.brochure_id == brochure.id)
    )
    return int(total or 0)


def sent_by_region(runs: list[PrintRun]) -> list[tuple[str, int]]:
    """The copies sent to each region over the given runs, most first."""
    totals: dict[str, int] = {}
    for run in runs:
        for region, copies in run.sent:
            totals[region] = totals.get(region, 0) + copies
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))
