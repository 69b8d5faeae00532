"""Forms for the playbook pages. They only shape input; services.py checks and saves it."""

from django import forms

from allaboard.org.models import Person, Unit
from allaboard.programmes.models import Programme

from .models import Action, ActionStatus, MeasureKind, Play, Rule, Strategy
from .rules import PLACEHOLDERS
from .services import TEXT_MAX

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlayForm(forms.ModelForm):
    class Meta:
        model = Play
        fields = [
            "title",
            "slug",
            "strategy",
            "purpose",
            "when_it_helps",
            "actions",
            "how_to_tell",
            "measure_kind",
            "measure_metric",
            "active",
        ]
        labels = {"slug": "Short name"}
        help_texts = {"slug": "Letters, numbers and hyphens; used in links and the API."}
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "when_it_helps": forms.Textarea(attrs={"rows": 3}),
            "actions": forms.Textarea(attrs={"rows": 5}),
            "how_to_tell": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategy"].choices = Strategy.choices
        self.fields["measure_kind"].choices = MeasureKind.choices


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = [
            "key",
            "play",
            "kind",
            "metric",
            "operator",
            "threshold",
            "min_n",
            "scope",
            "top_only",
            "evidence",
            "active",
        ]
        help_texts = {
            "evidence": "Placeholders: " + ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            "key": "A short unique name, e.g. knowledge-barrier-high.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["play"].queryset = Play.objects.order_by("title")


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=TEXT_MAX
    )
    owner = forms.ModelChoiceField(
        queryset=Person.objects.none(), help_text="The person who will make it happen."
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="The teams it is for. They are asked whether it helped a month after it starts.",
    )
    due = forms.DateField(widget=DATE)
    status = forms.ChoiceField(choices=ActionStatus.choices, initial=ActionStatus.NOT_STARTED)
    play = forms.ModelChoiceField(queryset=Play.objects.filter(active=True), required=False)
    measure_kind = forms.ChoiceField(
        choices=MeasureKind.choices, required=False, label="Measure to watch", help_text="Empty: the play's."
    )
    measure_metric = forms.CharField(
        max_length=64, required=False, help_text="e.g. knowledge, job, response_rate, nps."
    )

    def __init__(self, *args, people=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people if people is not None else Person.objects.all()
        self.fields["teams"].queryset = units if units is not None else Unit.objects.all()

    @classmethod
    def initial_for(cls, action: Action) -> dict:
        return {
            "title": action.title,
            "description": action.description,
            "owner": action.owner_id,
            "teams": list(action.teams.values_list("pk", flat=True)),
            "due": action.due,
            "status": action.status,
            "play": action.play_id,
            "measure_kind": action.measure_kind,
            "measure_metric": action.measure_metric,
        }


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)


class DismissForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="Why this does not fit; others will see it.")


class UpdateForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.all())
    title = forms.CharField(max_length=200)
    you_said = forms.CharField(
        label="You said",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What we heard, without names.",
        max_length=TEXT_MAX,
    )
    we_did = forms.CharField(
        label="We did",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX,
        help_text="What we did, and what happens next.",
    )
    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(),
        label="Teams it concerns",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="A site or department means everyone in it.",
    )
    action = forms.ModelChoiceField(
        queryset=Action.objects.none(), required=False, label="The action it reports"
    )

    def __init__(self, *args, units=None, actions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units if units is not None else Unit.objects.all()
        self.fields["action"].queryset = actions if actions is not None else Action.objects.all()
