"""Forms for building and scheduling surveys. They only parse input; services validate and write."""

from django import forms

from allaboard.org.models import JobRole, Unit
from allaboard.programmes.models import Programme

from . import instruments as I


class SurveyForm(forms.Form):
    name = forms.CharField(max_length=200)
    programme = forms.ModelChoiceField(Programme.objects.all(), required=False)
    intro = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Why you ask and what will happen with the answers. Shown at the top of the answer page.",
    )
    instruments = forms.MultipleChoiceField(
        choices=[(i.key, f"{i.title}: {len(i.items)} questions") for i in I.LIBRARY.values()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    audience_units = forms.ModelMultipleChoiceField(
        Unit.objects.all(), required=False, help_text="Everyone in these units and below. None: everyone."
    )
    audience_roles = forms.ModelMultipleChoiceField(
        JobRole.objects.all(), required=False, help_text="Only these job roles. None: every role."
    )
    include_partner = forms.BooleanField(required=False, initial=True, label="Include partner staff")
    window_days = forms.IntegerField(min_value=1, max_value=60, initial=10, label="Days each wave stays open")
    recurrence_weeks = forms.IntegerField(
        min_value=0, max_value=52, initial=0, label="Repeat every (weeks)", help_text="0: no repeat."
    )
    announce_in_chat = forms.BooleanField(required=False, label="Announce waves in team chat channels")
    min_group_size = forms.IntegerField(
        min_value=3,
        required=False,
        label="Minimum group (k)",
        help_text="No result for fewer respondents. Fixed when the first wave opens.",
    )
    min_comment_group_size = forms.IntegerField(
        min_value=3,
        required=False,
        label="Minimum group for comments",
        help_text="Fixed when the first wave opens.",
    )
    protect_between_waves = forms.BooleanField(
        required=False,
        label="Also protect between waves",
        help_text="Hide a group whose respondents differ from an earlier wave's by fewer than k. Stricter; "
        "hides more team results.",
    )

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["programme_id"] = data.pop("programme").pk if data.get("programme") else None
        data["audience_unit_ids"] = [u.pk for u in data.pop("audience_units") or []]
        data["audience_role_ids"] = [r.pk for r in data.pop("audience_roles") or []]
        return data


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(choices=list(I.KINDS.items()))
    text = forms.CharField(max_length=400)
    scale = forms.CharField(max_length=40, required=False, help_text="Optional: the scale it belongs to.")
    reverse = forms.BooleanField(required=False, help_text="Agreeing is the unfavourable answer.")
    is_outcome = forms.BooleanField(required=False, label="Outcome (key drivers explain it)")
    choices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Choice questions: one per line."
    )

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["choices"] = [line.strip() for line in data.get("choices", "").splitlines() if line.strip()]
        return data


class WaveForm(forms.Form):
    opens = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    closes = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)


class TranslationForm(forms.Form):
    language = forms.CharField(max_length=10, help_text="A language code, e.g. cy (Welsh) or pl (Polish).")
