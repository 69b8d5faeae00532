"""Template tags other apps use to show capability's part of their pages."""

from django import template

from allaboard.capability import services

register = template.Library()


@register.inclusion_tag("capability/_suggested_courses.html")
def suggested_courses(recommendation):
    """The catalogue's courses for an educate-and-train recommendation's evidence (Knowledge, Ability,
    skills...); nothing for other plays."""
    if getattr(recommendation.play, "strategy", "") != "educate":
        return {"show": False}
    tags, suggestions = services.courses_for_evidence(recommendation.evidence)
    return {"show": bool(tags), "tags": tags, "suggestions": suggestions}
