"""Benchmarks of provisioning (harness: core/benchmarks.py): a sheet of 4,000 secretaries, one
per branch of the bench district, checked and written all at once, then their activation slips
(codes, PDF and XLSX). Target: 4,000 accounts in under 30 s."""

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile

from core.benchmarks import BenchContext, Benchmark
from orgs.demo import People
from orgs.models import MEMBER_HOLDING_KINDS, Organization

SIZE = 4000


def _sheet(ctx: BenchContext) -> bytes:
    if "accounts.sheet" not in ctx.cache:
        from openpyxl import Workbook

        step = Organization.steplen
        names = dict(Organization.objects.within(ctx.root).values_list("path", "name"))
        branches = (
            Organization.objects.within(ctx.root)
            .active()
            .filter(kind__in=MEMBER_HOLDING_KINDS, numchild=0)
            .order_by("path")
            .values_list("path", flat=True)[:SIZE]
        )
        people = People(random.Random(4))
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(["姓名", "手机号码", "所在党组织", "角色"])
        for index, path in enumerate(branches):
            trail = "/".join(names[path[:end]] for end in range(step, len(path) + 1, step))
            sheet.append([people.name("M"), f"1470{index:07d}", trail, "书记"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        ctx.cache["accounts.sheet"] = (buffer.getvalue(), len(branches))
    return ctx.cache["accounts.sheet"]


def provision_setup(ctx: BenchContext):
    from . import provisioning

    content, rows = _sheet(ctx)
    by = ctx.superuser

    def run():
        result, batch = provisioning.provision(SimpleUploadedFile("开通.xlsx", content), by=by)
        if not result.ok or result.created != rows:
            raise AssertionError(f"provisioning refused or matched rows: {result.errors[:3]}")
        return result.created

    return run


def slips_setup(ctx: BenchContext):
    from . import provisioning, slips

    content, rows = _sheet(ctx)
    by = ctx.superuser

    def run():
        _result, batch = provisioning.provision(SimpleUploadedFile("开通.xlsx", content), by=by)
        made = provisioning.issue_slips(batch, by=by)
        slips.slips_zip(batch.title, "http://127.0.0.1:8000/accounts/activate/", made)
        return len(made)

    return run


BENCHMARKS = [
    Benchmark(
        "provisioning sheet (4,000 accounts)",
        provision_setup,
        target_ms=30000,
        repeat=3,
        quick_repeat=1,
        warmup=0,
        rollback=True,
    ),
    Benchmark(
        "provisioning + slips PDF/XLSX (4,000)",
        slips_setup,
        target_ms=30000,
        repeat=3,
        quick_repeat=1,
        warmup=0,
        rollback=True,
        quick_memory=False,
    ),
]
