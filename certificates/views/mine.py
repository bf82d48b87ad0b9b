"""The trainee's own certificates and hour transcripts (asking for a year's transcript), and the
downloads of a certificate or a transcript for whoever the selectors let see it."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from backend.errors import ApplicationError
from backend.pages import add_service_errors

from .. import selectors, services
from ..forms import TranscriptForm
from ..rendering import format_centi_hours
from . import pdf_download


@login_required
def my_certificates(request):
    user = request.user
    form = TranscriptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transcript = services.transcript_issue(actor=user, user=user, year=form.cleaned_data["year"])
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your hour transcript for %(year)d is ready: %(serial)s.") % {
                "year": transcript.year, "serial": transcript.serial})
            return redirect("my-certificates")
    certificates = list(selectors.my_certificates(user=user))
    for certificate in certificates:
        certificate.hours_text = format_centi_hours(certificate.centi_hours)
    transcripts = list(selectors.transcript_list(user=user).filter(user=user))
    for transcript in transcripts:
        transcript.hours_text = format_centi_hours(transcript.attended_centi_hours)
        transcript.topic_hours_text = format_centi_hours(transcript.topic_centi_hours)
    return render(request, "certificates/my_certificates.html", {
        "certificates": certificates, "transcripts": transcripts, "form": form,
    }, status=400 if form.errors else 200)


@login_required
def certificate_download(request, pk):
    certificate = selectors.certificate_for_user(user=request.user, pk=pk)
    if certificate is None:
        raise Http404
    return pdf_download(request, certificate.pdf, f"{certificate.serial}.pdf")


@login_required
def transcript_download(request, pk):
    transcript = selectors.transcript_for_user(user=request.user, pk=pk)
    if transcript is None:
        raise Http404
    return pdf_download(request, transcript.pdf, f"{transcript.serial}.pdf")
