"""The built-in playbook is loaded by migration, and loading again never overwrites an admin's edits."""

from allaboard.playbook.library import built_in_library, ensure_library
from allaboard.playbook.models import Play, Rule, Strategy
from allaboard.playbook.services import untriggerable_plays

from .factories import PlayFactory, RuleFactory


def test_the_migration_loads_every_built_in_play_with_its_rules(db):
    slugs = {play["slug"] for play in built_in_library()}
    assert set(Play.objects.filter(built_in=True).values_list("slug", flat=True)) == slugs
    assert Rule.objects.filter(built_in=True).count() == sum(len(p["rules"]) for p in built_in_library())


def test_every_strategy_in_the_seeds_has_a_play(db):
    strategies = set(Play.objects.values_list("strategy", flat=True))
    assert strategies >= set(Strategy.values) - {Strategy.OWN}


def test_every_play_has_concrete_actions_and_a_measure(db):
    for play in Play.objects.filter(built_in=True):
        assert len(play.action_list()) >= 3, play.slug
        assert play.how_to_tell and play.measure_kind, play.slug


def test_loading_again_adds_nothing_and_keeps_edits(db):
    play = Play.objects.get(slug="educate-train")
    play.title = "Train people our way"
    play.save()
    assert ensure_library(Play, Rule) == (0, 0)
    play.refresh_from_db()
    assert play.title == "Train people our way"


def test_a_built_in_play_deleted_by_mistake_comes_back(db):
    Play.objects.filter(slug="diagnose").delete()
    added_plays, added_rules = ensure_library(Play, Rule)
    assert added_plays == 1 and added_rules == 2
    assert Play.objects.get(slug="diagnose").rules.count() == 2


def test_every_built_in_play_can_be_recommended(db):
    assert untriggerable_plays() == []


def test_a_play_of_our_own_without_a_rule_is_flagged_until_it_gets_one(db):
    play = PlayFactory()
    assert untriggerable_plays() == [play]
    RuleFactory(play=play)
    assert untriggerable_plays() == []


def test_a_play_whose_only_rule_is_switched_off_is_flagged(db):
    play = PlayFactory()
    RuleFactory(play=play, active=False)
    assert untriggerable_plays() == [play]


def test_the_evidence_migration_rewrites_unedited_comment_templates_only(db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("allaboard.playbook.migrations.0004_evidence_by_respondents")
    old = "Job security is a resistance source in {value_pct} of comments from {unit}, n={n}."
    Rule.objects.filter(key="job-comments").update(evidence=old)
    Rule.objects.filter(key="why-comments").update(evidence="Our own words, {value_pct}.")
    migration.by_respondents(apps, None)
    assert Rule.objects.get(key="job-comments").evidence == (
        "Job security is named by {value_pct} of the {n} respondents who commented in {unit}."
    )
    assert Rule.objects.get(key="why-comments").evidence == "Our own words, {value_pct}."
