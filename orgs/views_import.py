"""Pages for importing rosters and the organisation tree from .xlsx and .csv files.

A small file is imported within the request; a larger one (settings.IMPORT_BACKGROUND_BYTES) is
stored and imported by a worker, and the user follows it on the job's page.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.params import id_param
from core.services import require
from core.views import row_errors

from . import access, importing, services
from .forms import ImportForm, MemberImportForm

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _default_branch(request, branches) -> int | None:
    """?branch=<id> from a roster page, or the only branch a secretary of one branch manages."""
    if (branch := id_param(request.GET, "branch")) is not None:
        return branch
    only = list(branches.values_list("pk", flat=True)[:2])
    return only[0] if len(only) == 1 else None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def import_members(request):
    require(access.can_manage_anything(request.user))
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    branches = access.branches_for(request.user)
    initial = {"default_branch": _default_branch(request, branches)}
    form = MemberImportForm(*data, branches=branches, initial=initial)
    result = None
    if form.is_valid():
        branch = form.cleaned_data["default_branch"]
        if _in_background(form):
            return _start(request, form, "members", default_branch=branch)
        result = _run(form, importing.import_members, request.user, default_branch=branch)
        if result and result.ok:
            messages.success(
                request, _("党员名册导入完成：%(summary)s。") % {"summary": result.summary}
            )
            _flash_notes(request, result.notes)
            return redirect("orgs:roster", pk=branch.pk) if branch else redirect("orgs:tree")
    return _render(request, form, result, "members")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def import_tree(request):
    require(access.can_manage_anything(request.user))
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ImportForm(*data)
    result = None
    if form.is_valid():
        if _in_background(form):
            return _start(request, form, "tree")
        result = _run(form, importing.import_tree, request.user)
        if result and result.ok:
            messages.success(
                request, _("组织架构导入完成：%(summary)s。") % {"summary": result.summary}
            )
            return redirect("orgs:tree")
    return _render(request, form, result, "tree")


# Notes beyond these are counted, not listed: a roster of year-only dates would flood the page.
NOTES_FLASHED = 20


def _flash_notes(request, notes: list[importing.RowError]) -> None:
    """Tells the user which rows were imported with a note (a date without its day, a category
    read as 其他), one message per row and column."""
    for note in notes[:NOTES_FLASHED]:
        messages.info(
            request,
            _("第 %(row)s 行“%(column)s”：%(message)s")
            % {"row": note.row, "column": note.column, "message": note.message},
        )
    if len(notes) > NOTES_FLASHED:
        messages.info(
            request, _("另有 %(count)s 条说明未列出。") % {"count": len(notes) - NOTES_FLASHED}
        )


def _in_background(form) -> bool:
    return form.cleaned_data["file"].size > settings.IMPORT_BACKGROUND_BYTES


def _start(request, form, kind, **options):
    """Hands a large file to a worker and shows its job; a refused file stays on the form."""
    job_kind = importing.MEMBERS if kind == "members" else importing.TREE
    upload = form.cleaned_data["file"]
    try:
        job = services.start_import(job_kind, upload, by=request.user, **options)
    except importing.ImportRejected as error:
        form.add_error("file", error)
        return _render(request, form, None, kind)
    return redirect(job)


def _run(form, service, user, **options) -> importing.ImportResult | None:
    """Calls the import; a refused file becomes an error on the file field and answers None."""
    try:
        return service(form.cleaned_data["file"], by=user, **options)
    except importing.ImportRejected as error:
        form.add_error("file", error)
        return None


@require_safe
@login_required
def import_errors(request, token):
    """The CSV of every error of one of the user's failed imports. The file is kept in the user's
    own folder, so the same link is a 404 for anyone else."""
    name = importing.errors_file_path(request.user.pk, token)
    if name is None:
        raise Http404
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=_("导入问题清单.csv"),
        content_type="text/csv; charset=utf-8",
    )


def result_context(result: importing.ImportResult | None) -> dict:
    """What templates/core/_import_form.html shows of an import's result (None: none yet): the
    first errors, how many there are, the CSV of every one, the largest file taken. Pages that
    import with the roster import's machinery (pledges' sheet) use it too."""
    return {
        **row_errors(result.errors if result else [], result.errors_total if result else None),
        # Every error as a CSV when the page shows only the first ones.
        "errors_url": (
            reverse("orgs:import_errors", args=[result.errors_file])
            if result and result.errors_file
            else ""
        ),
        "max_bytes": settings.IMPORT_MAX_BYTES,
    }


def _render(request, form, result, kind):
    context = {
        "form": form,
        "kind": kind,
        "can_import_tree": access.can_import_tree(request.user),
        **result_context(result),
        "template_url": reverse(f"orgs:{'member' if kind == 'members' else 'tree'}_template"),
        "back_url": reverse("orgs:tree"),
        "back_label": _("返回组织架构"),
    }
    return render(request, "orgs/import.html", context)


@require_safe
@login_required
def member_template(request):
    require(access.can_manage_anything(request.user))
    return _xlsx_response(importing.member_template_xlsx(), _("党员花名册导入模板.xlsx"))


@require_safe
@login_required
def tree_template(request):
    require(access.can_manage_anything(request.user))
    return _xlsx_response(importing.tree_template_xlsx(), _("党组织导入模板.xlsx"))


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
