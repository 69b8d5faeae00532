"""Write usage for tests through the real ingest."""

from datetime import date, timedelta

from allaboard.adoption import ingest


def use_every_weekday(
    people, start: date, end: date, behaviour: str = "kb_answer", tool: str = "desk"
) -> int:
    """Each person uses the behaviour once every weekday from start to end."""
    events, day = [], start
    while day <= end:
        if day.weekday() < 5:
            for p in people:
                events.append(
                    {
                        "external_id": f"{p.pk}-{behaviour}-{day}",
                        "person": p.employee_id,
                        "tool": tool,
                        "behaviour": behaviour,
                        "at": f"{day}T10:00:00",
                    }
                )
        day += timedelta(days=1)
    report = ingest.import_events(events)
    assert report.ok, report.problems[:3]
    return report.created
