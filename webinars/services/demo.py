"""The demonstration schedule, loaded from ``webinars/demo/webinars.yaml``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from school.extensions import db
from school.models import Role, User
from school.timeutil import is_valid_timezone, now_utc, to_zone
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration, WebinarStatus
from webinars.services.common import WebinarError
from webinars.services.planning import WebinarData, create_webinar

DEMO_FILE = Path(__file__).resolve().parents[1] / "demo" / "webinars.yaml"


def _parse_clock(value: Any) -> time:
    if isinstance(value, int):  # YAML 1.1 reads 19:00 unquoted as a sexagesimal number
        return time(value // 60, value % 60)
    return time.fromisoformat(str(value))


def seed_demo(users: dict[str, User], log: Callable[[str], None], path: Path | None = None) -> None:
    """Load the demo schedule from YAML: dates relative to today, past ones already held.

    Idempotent: a demo webinar with the same title is not created twice.
    """
    import yaml

    path = path or DEMO_FILE
    if not path.exists():
        log(f"  no demo schedule at {path}")
        return
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    owner = users.get(Role.INSTRUCTOR.value) or users.get(Role.ADMIN.value)
    student = users.get(Role.STUDENT.value)
    if owner is None:
        log("  no demo instructor; demo schedule skipped")
        return
    now = now_utc()
    created = 0
    first_upcoming: Webinar | None = None
    for item in items:
        title = str(item["title"]).strip()
        existing = db.session.scalar(
            select(Webinar).where(Webinar.is_demo.is_(True), Webinar.title == title)
        )
        if existing is not None:
            continue
        tz_name = item.get("timezone") or "Europe/Moscow"
        today = to_zone(now, tz_name).date() if is_valid_timezone(tz_name) else now.date()
        presenters = item.get("presenters") or []
        if isinstance(presenters, str):
            presenters = [presenters]
        data = WebinarData(
            title=title,
            summary=str(item.get("summary") or ""),
            presenters="\n".join(str(p) for p in presenters),
            series=item.get("series"),
            start_date=today + timedelta(days=int(item.get("starts_in_days", 7))),
            start_time=_parse_clock(item.get("local_time", "19:00")),
            timezone=tz_name,
            duration_minutes=int(item.get("duration_minutes") or 90),
            capacity=item.get("capacity"),
            join_url=item.get("join_url"),
            recording_url=item.get("recording_url"),
            materials=item.get("materials"),
        )
        try:
            webinar = create_webinar(
                owner,
                data,
                allow_past=True,
                status=WebinarStatus.PUBLISHED,
                is_demo=bool(item.get("demo", True)),
            )
        except WebinarError as error:
            raise ValueError(f"demo webinar {item.get('slug') or title!r}: {error}") from error
        if webinar.starts_at < now:
            # Announced a few weeks before it was held.
            webinar.created_at = webinar.published_at = webinar.starts_at - timedelta(days=21)
            webinar.updated_at = webinar.ends_at
        elif first_upcoming is None:
            first_upcoming = webinar
        if student is not None and (webinar.starts_at < now or webinar is first_upcoming):
            db.session.add(
                WebinarRegistration(
                    webinar_id=webinar.id,
                    user_id=student.id,
                    status=RegistrationStatus.REGISTERED.value,
                    registered_at=min(now, webinar.starts_at - timedelta(days=3)),
                )
            )
        db.session.commit()
        created += 1
    log(f"  {created} demo webinars")
