"""Writes that look across the apps: closing a campaign with its figures frozen."""

import dataclasses

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import services as campaign_services
from campaign.models import Campaign
from campaign.requirements import requirements_of
from orgs.models import Organization, subtree_q
from pledges import selectors as pledge_selectors
from pledges.models import Pledge
from reviews import selectors as review_selectors
from reviews.models import EvaluationRound, Rectification, RoundState


def campaign_figures(campaign: Campaign) -> dict:
    """The campaign's headline figures over its whole organisation, as its end freezes them:
    coverage (两个100%), pledges by state, reviews held, evaluation rounds held, rectifications."""
    today = timezone.localdate()
    root = campaign.organization
    coverage = pledge_selectors.coverage(root, campaign)
    by_state = dict(
        Pledge.objects.filter(campaign=campaign)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    reviews = review_selectors.counted_reviews(campaign, today, requirements_of(campaign))
    within = Organization.objects.filter(subtree_q(root.path))
    rectifications = review_selectors.rectification_counts(
        Rectification.objects.filter(organization__in=within), today
    )
    return {
        "on": today.isoformat(),
        "coverage": dataclasses.asdict(coverage),
        "pledges": by_state,
        "reviews": reviews.count(),
        "rounds": EvaluationRound.objects.filter(campaign=campaign, members_only=False)
        .exclude(state=RoundState.PREPARING)
        .count(),
        "rectifications_open": rectifications.open,
    }


def close_campaign(campaign: Campaign, *, by) -> Campaign:
    """结束验收: the campaign becomes read-only with its figures kept as they are today."""
    return campaign_services.close_campaign(campaign, by=by, figures=campaign_figures(campaign))


# --- The campaign report (总结验收), made by a job --------------------------------------------


def start_report(org: Organization, campaign: Campaign, *, by):
    """A job that writes the subtree's campaign report (oversight.report); its page offers it."""
    from core import jobs

    from . import tasks

    return jobs.start_job(
        kind="oversight.report",
        title=_("总结报告：%(org)s") % {"org": org.name},
        owner=by,
        scope=org.name,
        task=tasks.report_job_task,
        params={"org": org.pk, "campaign": campaign.pk},
    )


def run_report_job(job_id: int):
    """The job's work: the report as its requester may see it, kept as an export file."""
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.urls import reverse

    from core import jobs, replica
    from core.models import ExportRecord
    from orgs import access as org_access

    from .report import report_pdf

    def work(job):
        org = Organization.objects.get(pk=job.params["org"])
        if not org_access.in_scope(job.owner, org):
            return {"message": _("没有查看该组织的权限。")}, [{"row": 0, "message": org.name}]
        campaign = Campaign.objects.get(pk=job.params["campaign"])
        jobs.report(job, 10)
        with replica.reads():  # core/replica.py: the figures from a replica where there is one
            content = report_pdf(org, campaign)
        jobs.report(job, 90)
        name = f"{org.name}总结报告-{timezone.localtime():%Y%m%d-%H%M}.pdf"
        with transaction.atomic():
            jobs.hold(job)
            record = ExportRecord.objects.create(
                kind="oversight.report",
                title=_("%(org)s%(campaign)s总结报告")
                % {"org": org.name, "campaign": campaign.name},
                owner=job.owner,
                scope=org.path,
                params=job.params,
                format="pdf",
                job=job,
            )
            record.file.save(name, ContentFile(content), save=True)
        return {
            "message": _("总结报告已生成。"),
            "next_url": reverse("core:export_download", args=[record.pk]),
            "next_label": _("下载报告（PDF）"),
        }, []

    return jobs.run_job(job_id, work)
