from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import access

# More would make the page unreadable; the count of the rest is shown instead.
ERRORS_SHOWN = 500


def row_errors(errors: list, total: int | None = None) -> dict:
    """What templates/core/_row_errors.html needs: the errors shown, and how many there are."""
    total = len(errors) if total is None else total
    shown = errors[:ERRORS_SHOWN]
    return {"errors": shown, "errors_total": total, "errors_hidden": max(0, total - len(shown))}


@require_safe
@login_required
def job(request, pk):
    """A background job's page: its progress while it runs (the status part polls itself), then
    its result or the table of its errors."""
    job = access.get_job_for_user(request.user, pk)
    total = job.result.get("errors_total", len(job.errors))
    # errors_url: the CSV of every error, which the app that ran the job may offer.
    context = {
        "job": job,
        **row_errors(job.errors, total),
        "errors_url": job.result.get("errors_url"),
    }
    if request.headers.get("HX-Request"):
        return render(request, "core/_job_status.html", context)
    return render(request, "core/job.html", context)
