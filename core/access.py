"""What a user may reach of core's own rows: their own jobs (a superuser: every job)."""

from django.shortcuts import get_object_or_404

from .models import Job


def jobs_for(user):
    jobs = Job.objects.select_related("owner")
    return jobs if user.is_superuser else jobs.filter(owner=user)


def get_job_for_user(user, pk: int) -> Job:
    return get_object_or_404(jobs_for(user), pk=pk)
