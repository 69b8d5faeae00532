from django import forms
from django.forms import inlineformset_factory

from allaboard.org.models import Person, Unit

from .models import Impact, Milestone, Programme, StakeholderBenefit


class ProgrammeForm(forms.ModelForm):
    sponsors = forms.ModelMultipleChoiceField(
        queryset=Person.objects.filter(user__role__in=["sponsor", "change_lead", "admin"]),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

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
