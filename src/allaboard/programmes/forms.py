from django import forms
from django.db.models import Q
from django.forms import inlineformset_factory

from allaboard.org.models import Person, Unit, UnitKind

from .models import Impact, Milestone, Programme, StakeholderBenefit


def sponsor_candidates(programme: Programme | None = None):
    """Senior people who may sponsor a programme: leaders with a sponsor, change-lead or admin login, the
    organisation's leadership team, heads of sites and partners, and whoever sponsors this programme now
    (so saving the form never drops a sponsor the list would not otherwise offer)."""
    current = programme.sponsors.values("pk") if programme is not None and programme.pk else []
    return (
        Person.objects.filter(
            Q(user__role__in=["sponsor", "change_lead", "admin"])
            | Q(unit__kind=UnitKind.ORGANISATION)
            | Q(led_units__kind__in=[UnitKind.ORGANISATION, UnitKind.SITE, UnitKind.PARTNER])
            | Q(pk__in=current)
        )
        .distinct()
        .order_by("family_name", "given_name")
    )


class ProgrammeForm(forms.ModelForm):
    sponsors = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sponsors"].queryset = sponsor_candidates(self.instance)

    class Meta:
        model = Programme
        fields = [
            "name",
            "status",
            "summary",
            "why",
            "problem_today",
            "good_looks_like",
            "alignment",
            "start_date",
            "end_date",
            "sponsors",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "why": forms.Textarea(attrs={"rows": 3}),
            "problem_today": forms.Textarea(attrs={"rows": 3}),
            "good_looks_like": forms.Textarea(attrs={"rows": 3}),
            "alignment": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "The end date is before the start date.")
        return data


class ImpactForm(forms.ModelForm):
    unit = forms.ModelChoiceField(queryset=Unit.objects.order_by("path"))

    class Meta:
        model = Impact
        fields = ["unit", "job_role", "what_changes", *Impact.ASPECT_FIELDS]
        widgets = {"what_changes": forms.Textarea(attrs={"rows": 2})}


BenefitFormSet = inlineformset_factory(
    Programme,
    StakeholderBenefit,
    fields=["group", "benefit"],
    extra=1,
    can_delete=True,
    widgets={"benefit": forms.Textarea(attrs={"rows": 2})},
)
ImpactFormSet = inlineformset_factory(Programme, Impact, form=ImpactForm, extra=1, can_delete=True)
MilestoneFormSet = inlineformset_factory(
    Programme,
    Milestone,
    fields=["name", "kind", "due", "done"],
    extra=1,
    can_delete=True,
    widgets={"due": forms.DateInput(attrs={"type": "date"})},
)
