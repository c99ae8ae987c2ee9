"""Imports too large for a request, run by a worker as a core Job (see core/jobs.py).

The upload is stored with the job (orgs.services.start_import); the worker reads and checks it
while reporting progress, then
writes in one short transaction (import_members / import_tree). The stored file, which holds
members' personal data, is deleted once the job is finished.
"""

from dataclasses import asdict

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from core import jobs
from core.models import Job

from ..models import Organization
from .base import ImportRejected
from .members import import_members
from .tree import import_tree

# A job's result keeps this many of the rows read with a note, and counts the rest.
NOTES_KEPT = 200
MEMBERS = "orgs.import_members"
TREE = "orgs.import_tree"


def run_import_job(job_id: int) -> None:
    """The worker's side: imports the job's file; safe to run again (imports are idempotent)."""
    jobs.run_job(job_id, _import)


def _import(job: Job) -> tuple[dict, list]:
    options = {}
    if job.kind == MEMBERS:
        branch_id = job.params.get("default_branch")
        if branch_id is not None:
            options["default_branch"] = Organization.objects.filter(pk=branch_id).first()
            if options["default_branch"] is None:
                return _refused([_("默认党支部已不存在，请重新选择后上传。")])
    function = import_members if job.kind == MEMBERS else import_tree
    try:
        with job.file.open("rb") as upload:
            result = function(
                upload,
                by=job.owner,
                progress=lambda percent: jobs.report(job, percent),
                before_write=lambda: jobs.hold(job),
                **options,
            )
    except ImportRejected as error:
        return _refused(error.messages)
    except PermissionDenied:
        return _refused([_("您无权导入这些党组织或党员。")])
    if not result.ok:
        total = result.errors_total or len(result.errors)
        message = _("文件中有 %(count)s 个问题，全部未导入。请改正后重新上传。") % {"count": total}
        failed = {"message": message, "errors_total": total}
        if result.errors_file:
            failed["errors_url"] = reverse("orgs:import_errors", args=[result.errors_file])
        return failed, [asdict(error) for error in result.errors]
    return _done(job, result, options.get("default_branch")), []


def _refused(messages: list[str]) -> tuple[dict, list]:
    errors = [{"row": "", "column": "", "message": str(message)} for message in messages]
    return {"message": _("文件无法导入。")}, errors


def _done(job: Job, result, branch: Organization | None) -> dict:
    what = _("党员名册") if job.kind == MEMBERS else _("组织架构")
    done = {
        "message": _("%(what)s导入完成：%(summary)s。") % {"what": what, "summary": result.summary},
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        # Rows read with a note (a date without its day, a category read as 其他).
        "notes": [asdict(note) for note in result.notes[:NOTES_KEPT]],
        "notes_total": len(result.notes),
    }
    if branch is not None:
        done |= {"next_url": reverse("orgs:roster", args=[branch.pk]), "next_label": _("查看名册")}
    else:
        done |= {"next_url": reverse("orgs:tree"), "next_label": _("查看组织架构")}
    return done
