from datetime import date

from django.core.management import call_command

from allaboard.adoption.models import StallAlert


def test_adoption_daily_raises_alerts_for_teams_nobody_uses(org, desk, capsys):
    call_command("adoption_daily", "--date", "2026-03-02")
    # Six teams of six people, none using the desk eight weeks after go-live: each has stalled at 0%.
    assert StallAlert.objects.filter(raised_on=date(2026, 3, 2)).count() == 6
    assert "6 stall alert(s) raised, 0 cleared." in capsys.readouterr().out
