from django import forms

from allaboard.org.models import JobRole
from allaboard.programmes.models import Programme

from .models import Channel, ChatChannel, Stage
from .services import ANSWER_MAX, BODY_MAX, WHY_MAX


class MessageForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.all(), required=False)
    stage = forms.ChoiceField(choices=Stage.choices, initial=Stage.OTHER)
    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Plain words; a blank line starts a paragraph.",
    )
    why = forms.CharField(
        label="Why this matters",
        required=False,
        max_length=WHY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown above the “I understand why” button.",
    )
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, widget=forms.CheckboxSelectMultiple, initial=[Channel.EMAIL, Channel.FEED]
    )
    units = forms.ModelMultipleChoiceField(
        label="Audience: teams, sites, the partner",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Everyone below each chosen unit. Leave empty for the whole organisation.",
    )
    roles = forms.ModelMultipleChoiceField(
        label="Only these job roles",
        queryset=JobRole.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="Leave empty for every role. A message for some roles is not posted to team chat channels.",
    )
    planned_for = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    essential = forms.BooleanField(
        required=False, help_text="Bypasses the frequency cap. Only for what people must read now."
    )

    def __init__(self, *args, units=None, allow_essential=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units
        if not allow_essential:
            del self.fields["essential"]

    def service_data(self) -> dict:
        data = self.cleaned_data
        result = {
            "programme_id": data["programme"].pk if data.get("programme") else None,
            "stage": data["stage"],
            "subject": data["subject"],
            "body": data["body"],
            "why": data["why"],
            "channels": data["channels"],
            "unit_ids": [u.pk for u in data["units"]],
            "role_ids": [r.pk for r in data["roles"]],
            "planned_for": data["planned_for"],
        }
        if "essential" in self.fields:
            result["essential"] = data["essential"]
        return result


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        label="Send at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to send now.",
    )


class ChatChannelForm(forms.ModelForm):
    webhook_url = forms.URLField(
        label="Incoming webhook URL",
        max_length=1000,
        assume_scheme="https",
        help_text="Kept secret: anyone with it can post.",
    )

    class Meta:
        model = ChatChannel
        fields = ["unit", "kind", "name", "webhook_url", "active"]

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("Use the https:// address the chat service gave you.")
        return url


class AskForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.none(), required=False, label="About")
    text = forms.CharField(
        label="Your question or concern",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Names, emails and phone numbers are masked before it is stored.",
    )
    is_concern = forms.BooleanField(required=False, label="This is a concern rather than a question")
    anonymous = forms.BooleanField(
        required=False,
        label="Ask anonymously",
        help_text="Nobody, not even admins, can see who asked: we keep no name or team with it.",
    )

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes if programmes is not None else Programme.objects.none()


class AnswerForm(forms.Form):
    answer = forms.CharField(
        max_length=ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 5}), help_text="Published in the FAQ."
    )


class HideForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="Why it is not published, e.g. answered in person.")
