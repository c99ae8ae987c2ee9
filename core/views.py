from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import access

# More would make the page unreadable; the count of the rest is shown instead.
ERRORS_SHOWN = 500


@login_required
def job(request, pk):
    """A background job's page: its progress while it runs (the status part polls itself), then
    its result or the table of its errors."""
    job = access.get_job_for_user(request.user, pk)
    total = job.result.get("errors_total", len(job.errors))
    context = {
        "job": job,
        "errors": job.errors[:ERRORS_SHOWN],
        "errors_total": total,
        "errors_hidden": max(0, total - ERRORS_SHOWN),
    }
    if request.headers.get("HX-Request"):
        return render(request, "core/_job_status.html", context)
    return render(request, "core/job.html", context)
