"""What a user may reach of core's own rows: their own jobs (a superuser: every job); the export
files they asked for, or whose organisation they may see (core.exports.may_download)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from . import exports
from .models import ExportRecord, Job


def jobs_for(user):
    jobs = Job.objects.select_related("owner")
    return jobs if user.is_superuser else jobs.filter(owner=user)


def get_job_for_user(user, pk: int) -> Job:
    return get_object_or_404(jobs_for(user), pk=pk)


def get_export_for_user(user, pk: int) -> ExportRecord:
    record = get_object_or_404(ExportRecord, pk=pk)
    if not exports.may_download(user, record):
        raise Http404
    return record
