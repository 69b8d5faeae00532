"""Listening pages: building and running surveys, reading results, and the public answer pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from allaboard.errors import InputError
from allaboard.org.access import visible_units

from . import exports, links, results, services
from . import instruments as I
from .forms import QuestionForm, SurveyForm, TranslationForm, WaveForm
from .models import Acknowledgement, Answer, Invitation, Question, Survey, TeamLink, Wave, WaveStatus

# --- surveys -----------------------------------------------------------------------------------------


@login_required
def survey_list(request):
    results.require_reader(request.user)
    surveys = Survey.objects.select_related("programme").prefetch_related("waves")
    return render(
        request,
        "listening/surveys.html",
        {"surveys": surveys, "can_manage": services.can_manage(request.user), "library": I.LIBRARY.values()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_new(request):
    services.require_manager(request.user)
    form = SurveyForm(
        request.POST or None, initial={"instruments": ["adkar", "open"], "include_partner": True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.create_survey(request.user, form.data_for_service())
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.reason)
        else:
            messages.success(request, f"Created {survey.name}. Check the questions, then schedule a wave.")
            return redirect(survey)
    return render(request, "listening/survey_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def survey_detail(request, pk: int):
    results.require_reader(request.user)
    survey = get_object_or_404(Survey.objects.select_related("programme"), pk=pk)
    questions = survey.questions.all()
    return render(
        request,
        "listening/survey.html",
        {
            "survey": survey,
            "questions": questions,
            "waves": survey.waves.all(),
            "can_manage": services.can_manage(request.user),
            "question_form": QuestionForm(),
            "wave_form": WaveForm(initial={"opens": timezone.localdate()}),
            "translation_form": TranslationForm(),
            "kinds": I.KINDS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request, pk: int):
    services.require_manager(request.user)
    survey = get_object_or_404(Survey, pk=pk)
    initial = {
        "name": survey.name,
        "programme": survey.programme,
        "intro": survey.intro,
        "audience_units": survey.audience_units.all(),
        "audience_roles": survey.audience_roles.all(),
        "include_partner": survey.include_partner,
        "window_days": survey.window_days,
        "recurrence_weeks": survey.recurrence_weeks,
        "announce_in_chat": survey.announce_in_chat,
        "min_group_size": survey.min_group_size,
        "min_comment_group_size": survey.min_comment_group_size,
        "protect_between_waves": survey.protect_between_waves,
    }
    form = SurveyForm(request.POST or None, initial=initial)
    del form.fields["instruments"]
    if survey.is_open_or_done:
        for name in ("min_group_size", "min_comment_group_size", "protect_between_waves"):
            form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.update_survey(request.user, survey, form.data_for_service())
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.reason)
        else:
            messages.success(request, "Saved.")
            return redirect(survey)
    return render(
        request,
        "listening/survey_form.html",
        {"form": form, "survey": survey},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def question_add(request, pk: int):
    services.require_manager(request.user)
    survey = get_object_or_404(Survey, pk=pk)
    form = QuestionForm(request.POST)
    try:
        if not form.is_valid():
            raise InputError(*next(iter((f, e[0]) for f, e in form.errors.items())))
        services.add_question(request.user, survey, form.data_for_service())
    except InputError as exc:
        messages.error(request, f"Question not added: {exc.field} {exc.reason}.")
        return redirect(survey)
    messages.success(request, "Question added.")
    return redirect(survey)


@login_required
@require_POST
def question_remove(request, pk: int, question_id: int):
    services.require_manager(request.user)
    survey = get_object_or_404(Survey, pk=pk)
    question = get_object_or_404(Question, pk=question_id, survey=survey)
    try:
        services.remove_question(request.user, survey, question)
    except InputError as exc:
        messages.error(request, exc.reason)
    return redirect(survey)


@login_required
@require_http_methods(["GET", "POST"])
def translate(request, pk: int):
    """One page to add or update a survey's question texts in another language."""
    services.require_manager(request.user)
    survey = get_object_or_404(Survey, pk=pk)
    language = (request.GET.get("language") or request.POST.get("language") or "").strip().lower()
    questions = list(survey.questions.prefetch_related("translations"))
    if request.method == "POST":
        try:
            for question in questions:
                text = request.POST.get(f"text_{question.pk}", "").strip()
                if text:
                    choices = request.POST.get(f"choices_{question.pk}", "").splitlines()
                    services.add_translation(
                        request.user, question, language, text, [c for c in choices if c.strip()]
                    )
        except InputError as exc:
            messages.error(request, f"{exc.field}: {exc.reason}")
            return redirect(f"{request.path}?language={language}")
        messages.success(request, f"Saved the {language} texts.")
        return redirect(survey)
    rows = []
    for question in questions:
        current = next((t for t in question.translations.all() if t.language == language), None)
        rows.append((question, current))
    return render(
        request,
        "listening/translate.html",
        {
            "survey": survey,
            "language": language,
            "rows": rows,
            "form": TranslationForm(initial={"language": language}),
        },
    )


@login_required
@require_POST
def wave_new(request, pk: int):
    services.require_manager(request.user)
    survey = get_object_or_404(Survey, pk=pk)
    form = WaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the day the wave opens.")
        return redirect(survey)
    try:
        wave = services.schedule_wave(
            request.user, survey, form.cleaned_data["opens"], form.cleaned_data["closes"]
        )
    except InputError as exc:
        messages.error(request, exc.reason)
        return redirect(survey)
    if wave.opens <= timezone.localdate():
        services.open_wave(wave, timezone.localdate(), request.user)
        messages.success(request, f"Wave {wave.number} is open: invitations are on their way.")
    else:
        messages.success(request, f"Wave {wave.number} will open on {wave.opens:%d %b %Y}.")
    return redirect(wave)


@login_required
def trends(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    scope, series = results.trends(
        request.user, survey, request.GET.get("unit"), request.GET.get("filter", "")
    )
    chart = [
        {
            "scale": t.title,
            "labels": [f"Wave {p.wave.number}" for p in t.points],
            "mean": [round(p.mean.estimate, 3) if p.mean else None for p in t.points],
            "low": [round(p.mean.low, 3) if p.mean and p.mean.low is not None else None for p in t.points],
            "high": [round(p.mean.high, 3) if p.mean and p.mean.high is not None else None for p in t.points],
        }
        for t in series
    ]
    return render(
        request,
        "listening/trends.html",
        {
            "survey": survey,
            "scope": scope,
            "series": series,
            "chart": chart,
            "units": _unit_choices(request.user),
        },
    )


# --- a wave's pages ----------------------------------------------------------------------------------


def _wave_context(request, pk: int, tab: str) -> dict:
    wave = results.wave_for(request.user, pk)
    return {
        "wave": wave,
        "survey": wave.survey,
        "tab": tab,
        "can_manage": services.can_manage(request.user),
        "units": _unit_choices(request.user),
        "selected_unit": request.GET.get("unit", ""),
        "selected_filter": request.GET.get("filter", ""),
    }


def _unit_choices(user):
    return visible_units(user).order_by("path")


def _input_error_page(request, context, template, exc: InputError):
    context["error"] = f"{exc.field}: {exc.reason}"
    return render(request, template, context, status=400)


@login_required
def wave_overview(request, pk: int):
    context = _wave_context(request, pk, "overview")
    wave = context["wave"]
    try:
        view = results.overview(request.user, wave, request.GET.get("unit"), request.GET.get("filter", ""))
    except InputError as exc:
        return _input_error_page(request, context, "listening/wave_overview.html", exc)
    context |= {
        "view": view,
        "chart": {
            "labels": [s.title for s in view.scales],
            "means": [round(s.mean.estimate, 3) if s.mean else None for s in view.scales],
            "barriers": [
                {"label": title, "share": round(share * 100, 1)} for _, title, _, share in view.barriers
            ],
        },
    }
    return render(request, "listening/wave_overview.html", context)


@login_required
def wave_participation(request, pk: int):
    context = _wave_context(request, pk, "participation")
    mine, rows = results.participation(request.user, context["wave"], request.GET.get("unit"))
    context |= {"mine": mine, "rows": rows}
    if context["can_manage"]:
        context["deliveries"] = services.invitation_deliveries(context["wave"])
    return render(request, "listening/wave_participation.html", context)


@login_required
def wave_heatmap(request, pk: int):
    context = _wave_context(request, pk, "heatmap")
    try:
        heat = results.heatmap(
            request.user,
            context["wave"],
            request.GET.get("unit"),
            request.GET.get("filter", ""),
            request.GET.get("sort", ""),
        )
    except InputError as exc:
        return _input_error_page(request, context, "listening/wave_heatmap.html", exc)
    context |= {
        "heat": heat,
        "titles": [(s, I.scale_title(s)) for s in heat.scales],
        "comparison_rows": [r for r in (heat.organisation, heat.parent) if r],
        "filter_options": results.filter_options(context["wave"], heat.scope.unit),
    }
    return render(request, "listening/wave_heatmap.html", context)


@login_required
def wave_reliability(request, pk: int):
    context = _wave_context(request, pk, "reliability")
    scope, data, scales = results.reliability(request.user, context["wave"], request.GET.get("unit"))
    context |= {"scope": scope, "data": data, "scales": scales}
    return render(request, "listening/wave_reliability.html", context)


@login_required
def wave_drivers(request, pk: int):
    context = _wave_context(request, pk, "drivers")
    try:
        found = results.drivers(
            request.user, context["wave"], request.GET.get("unit"), request.GET.get("level", "scales")
        )
    except InputError as exc:
        return _input_error_page(request, context, "listening/wave_drivers.html", exc)
    rows = []
    if found.result is not None:
        rows = sorted(
            zip(
                found.result.predictors,
                found.result.weights,
                found.result.shares or [0] * len(found.result.weights),
                strict=True,
            ),
            key=lambda r: -r[1],
        )
        rows = [(found.labels.get(p, p), weight, share) for p, weight, share in rows]
    context |= {
        "found": found,
        "rows": rows,
        "chart": {"labels": [r[0] for r in rows], "shares": [round(r[2], 1) for r in rows]},
    }
    return render(request, "listening/wave_drivers.html", context)


@login_required
def wave_comments(request, pk: int):
    context = _wave_context(request, pk, "comments")
    view = results.comments(
        request.user,
        context["wave"],
        request.GET.get("unit"),
        request.GET.get("question") or None,
        request.GET.get("label", ""),
    )
    context |= {
        "view": view,
        "acknowledgements": [
            (k, label) for k, label in Acknowledgement.choices if k != Acknowledgement.REPLY
        ],
        "selected_question": request.GET.get("question", ""),
        "selected_label": request.GET.get("label", ""),
    }
    return render(request, "listening/wave_comments.html", context)


@login_required
def wave_export(request, pk: int, fmt: str):
    wave = results.wave_for(request.user, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    what = request.GET.get("what", "items")
    try:
        header, rows = exports.rows_for(
            request.user, wave, what, request.GET.get("unit"), request.GET.get("filter", "")
        )
    except InputError as exc:
        return HttpResponse(f"{exc.field}: {exc.reason}", status=400, content_type="text/plain")
    name = f"wave-{wave.pk}-{what}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(header, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.to_xlsx(header, rows, what),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_POST
def wave_open(request, pk: int):
    services.require_manager(request.user)
    wave = get_object_or_404(Wave, pk=pk)
    try:
        done = services.open_wave(wave, timezone.localdate(), request.user)
    except InputError as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(
            request, f"Opened: {done['invited']} invitations on their way, {done['team_links']} team links."
        )
    return redirect(wave)


@login_required
@require_POST
def wave_close(request, pk: int):
    services.require_manager(request.user)
    wave = get_object_or_404(Wave, pk=pk)
    try:
        services.close_wave(wave, request.user)
    except InputError as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, "Closed. Results are published under the anonymity rules.")
    return redirect(wave)


@login_required
@require_POST
def wave_resend(request, pk: int):
    """Send a person a new link. The reply is the same whether or not they have answered."""
    services.require_manager(request.user)
    wave = get_object_or_404(Wave, pk=pk, status=WaveStatus.OPEN)
    invitation = Invitation.objects.filter(wave=wave, person_id=request.POST.get("person")).first()
    if invitation is not None and not invitation.responded:
        services.resend_invitation(request.user, invitation)
    messages.success(request, "If they were invited and have not answered yet, a new link is on its way.")
    return redirect("listening:participation", pk=wave.pk)


@login_required
def team_links(request, pk: int):
    context = _wave_context(request, pk, "team_links")
    units = visible_units(request.user)
    if not services.can_manage(request.user) and not units.exists():
        raise PermissionDenied
    links_ = TeamLink.objects.filter(wave=context["wave"], unit__in=units).select_related("unit")
    context["links"] = links_
    return render(request, "listening/team_links.html", context)


@login_required
def team_link_print(request, pk: int):
    """A printable page with the team's QR code, for floors without email."""
    import segno

    results.require_reader(request.user)
    link = get_object_or_404(TeamLink.objects.select_related("unit", "wave__survey"), pk=pk)
    if not visible_units(request.user).filter(pk=link.unit_id).exists():
        raise PermissionDenied("That team is outside what you can see.")
    url = links.team_url(links.team_token(link.salt))
    qr = segno.make(url, error="m")
    return render(
        request,
        "listening/team_link_print.html",
        {"link": link, "url": url, "qr_svg": qr.svg_inline(scale=8, title="QR code for the team link")},
    )


@login_required
@require_POST
def comment_reply(request, answer_id):
    answer = get_object_or_404(Answer.objects.select_related("response__wave"), pk=answer_id)
    try:
        services.reply_to_comment(
            request.user, answer, request.POST.get("kind", ""), request.POST.get("text", "")
        )
    except InputError as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, "Your reply is on the comment; its writer sees it on their own link.")
    return redirect(request.POST.get("next") or answer.response.wave.get_absolute_url() + "comments/")


@login_required
@require_POST
def resend_mine(request):
    """An invited person asks for a new link (the old one stops working)."""
    person_id = request.user.person_id
    invitation = (
        Invitation.objects.filter(person_id=person_id, responded=False, wave__status=WaveStatus.OPEN)
        .order_by("-wave__opens")
        .first()
        if person_id
        else None
    )
    if invitation is not None:
        services._queue_invitations([invitation], reminder=False)
        messages.success(request, "A new link is on its way to your email. The old one no longer works.")
    else:
        messages.info(request, "You have no open survey waiting for an answer.")
    return redirect("home")


# --- answering (public: the link is the key) ---------------------------------------------------------


def _answer_page(request, state: services.LinkState, save_url: str, status: int = 200, error: str = ""):
    survey = state.wave.survey if state.wave else None
    language = request.GET.get("lang") or state.language
    if survey and language not in survey.language_list:
        language = "en"
    context = {"state": state, "survey": survey, "wave": state.wave, "error": error, "language": language}
    if state.kind == services.ANSWER:
        questions = list(survey.questions.prefetch_related("translations"))
        translations = {(t.question_id, t.language): t for q in questions for t in q.translations.all()}
        draft = services.load_draft(state)
        posted = request.POST if request.method == "POST" else {}
        fields = []
        for question in questions:
            text, choices = question.text_in(language, translations)
            name = f"q{question.pk}"
            if posted:
                current = posted.getlist(name)
            else:
                saved = draft.get(name)
                current = (
                    [str(v) for v in saved]
                    if isinstance(saved, list)
                    else ([str(saved)] if saved not in (None, "") else [])
                )
            fields.append(
                {
                    "question": question,
                    "name": name,
                    "text": text,
                    "options": _options(question, choices),
                    "current": current,
                }
            )
        context |= {"fields": fields, "save_url": save_url, "languages": survey.language_list}
    response = render(request, "listening/answer.html", context, status=status)
    response["Cache-Control"] = "no-store"
    # The link's token is in the URL: never send it to another site as a Referer. Not "no-referrer":
    # with it, browsers send "Origin: null" when the form is posted, and Django's CSRF check refuses it.
    response["Referrer-Policy"] = "same-origin"
    return response


def _options(question: Question, choices: list[str]) -> list[tuple[str, str]]:
    if question.kind == I.AGREE5:
        return [(str(v), f"{v}, {label}") for v, label in I.AGREE5_LABELS.items()]
    if question.kind == I.SCALE10:
        return [(str(v), str(v)) for v in range(11)]
    return [(str(i), label) for i, label in enumerate(choices)]


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    today = timezone.localdate()
    state = services.personal_link(token, today)
    save_url = request.path + "save/"
    if request.method == "POST" and state.kind == services.ANSWER:
        try:
            services.submit(state, request.POST, today, request.POST.get("language"))
        except services.AlreadyAnswered:
            state = services.personal_link(token, today)
        except InputError as exc:
            return _answer_page(request, state, save_url, status=400, error=exc.reason)
        else:
            state = services.personal_link(token, today)
            state.kind = "thanks"
    status = 404 if state.kind == services.INVALID else 200
    return _answer_page(request, state, save_url, status=status)


@never_cache
@require_POST
def answer_save(request, token: str):
    state = services.personal_link(token, timezone.localdate())
    return _save(request, state)


def _save(request, state):
    try:
        saved = services.save_draft(state, request.POST, timezone.localdate())
    except InputError as exc:
        return HttpResponse(exc.reason, status=400, content_type="text/plain")
    now = timezone.localtime().strftime("%H:%M")
    return HttpResponse(
        f"Saved {saved} answer{'s' if saved != 1 else ''} at {now}.", content_type="text/plain"
    )


@never_cache
@require_http_methods(["GET", "POST"])
def team_answer(request, token: str):
    today = timezone.localdate()
    link = TeamLink.objects.filter(token_hash=links.team_hash(token)).first()
    browser = links.read_browser_token(request, link.pk) if link else None
    issued = None
    if link is not None and browser is None:
        browser = issued = links.new_token()
    state = services.team_link(token, browser, today)
    save_url = request.path + "save/"
    response = None
    if request.method == "POST" and state.kind == services.ANSWER:
        try:
            services.submit(state, request.POST, today, request.POST.get("language"))
        except services.AlreadyAnswered:
            state = services.team_link(token, browser, today)
        except InputError as exc:
            response = _answer_page(request, state, save_url, status=400, error=exc.reason)
        else:
            state = services.team_link(token, browser, today)
            state.kind = "thanks"
    if response is None:
        response = _answer_page(
            request, state, save_url, status=404 if state.kind == services.INVALID else 200
        )
    if issued and link is not None:
        links.set_browser_token(response, link.pk, issued)
    return response


@never_cache
@require_POST
def team_answer_save(request, token: str):
    link = TeamLink.objects.filter(token_hash=links.team_hash(token)).first()
    browser = links.read_browser_token(request, link.pk) if link else None
    state = services.team_link(token, browser, timezone.localdate())
    return _save(request, state)
