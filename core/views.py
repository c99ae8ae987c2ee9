from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import access, exports

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


@require_safe
@login_required
def export_download(request, pk):
    """An export's file, for its requester and whoever may see its organisation; gone once it
    expired (EXPORT_KEEP_HOURS)."""
    record = access.get_export_for_user(request.user, pk)
    if not record.file:
        return render(request, "core/export_gone.html", {"record": record}, status=410)
    name = record.file.name.rsplit("/", 1)[-1]
    return FileResponse(record.file.open("rb"), as_attachment=True, filename=name)


@require_safe
@login_required
def export_list(request):
    """The record of exports (who, what, which filters, how many rows, when) the user may see."""
    return render(request, "core/exports.html", {"records": exports.records_for(request.user)})
