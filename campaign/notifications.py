"""Writing notifications, the inbox, and their email.

Every writer — the calendar's sweeps, the services that tell of an event — hands `deliver` the
notifications it would send; rows already there (same kind, organisation, role, subject, period:
the model's constraint) are skipped, so a sweep run twice, a retried task or two beat processes
at once add nothing. The rows are the outbox: email goes out after they commit, by a task that
drains the unsent ones (`send_pending`), enqueued on commit and also run by beat, so a
notification saved while the broker was down is mailed once it is back. Email is at least once:
a row is marked sent only after its mail went, and a crash between the two sends it again.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import JobState
from orgs import access as org_access
from orgs.models import Role, RoleKind

from . import access
from .models import NoticeKind, Notification

logger = logging.getLogger(__name__)

BATCH = 1000
UNREAD_TTL = 60  # seconds a user's unread count may lag behind (the navigation's badge)
EPOCH = "inbox-unread-epoch"  # part of every count's key: moved when notifications change
MAX_EMAIL_ATTEMPTS = 8
KEY = ("kind", "organization_id", "role_kind", "subject", "period")


@dataclass
class Delivery:
    candidates: int = 0
    created: int = 0
    failures: list[str] = field(default_factory=list)


def _key(n: Notification) -> tuple:
    return tuple(getattr(n, name) for name in KEY)


def deliver(notifications: Iterable[Notification]) -> Delivery:
    """Saves the notifications that do not exist yet, in batches; a batch that fails is written
    one row at a time, and a row that fails is logged and skipped, the others kept. Then the
    email task is enqueued, once the rows are committed."""
    rows = list({_key(n): n for n in notifications}.values())
    result = Delivery(candidates=len(rows))
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        fresh = _not_there(batch)
        try:
            with transaction.atomic():
                Notification.objects.bulk_create(fresh, ignore_conflicts=True)
            result.created += len(fresh)
        except DatabaseError:
            logger.exception(
                "a batch of %s notifications failed; writing them one by one", len(fresh)
            )
            for row in fresh:
                try:
                    with transaction.atomic():
                        Notification.objects.bulk_create([row], ignore_conflicts=True)
                    result.created += 1
                except DatabaseError:
                    logger.exception("notification for organisation %s failed", row.organization_id)
                    result.failures.append(f"{row.organization_id}: {row.title}")
    if result.created:
        transaction.on_commit(enqueue_email)
        _forget_unread_counts()
    return result


def _not_there(batch: list[Notification]) -> list[Notification]:
    """The batch without the rows already saved: one query. A row another sweep saves in
    between is still refused by the constraint (never written twice), though the count of
    what this run wrote then includes it."""
    kinds = {n.kind for n in batch}
    periods = {n.period for n in batch}
    orgs = {n.organization_id for n in batch}
    there = set(
        Notification.objects.filter(
            kind__in=kinds, period__in=periods, organization_id__in=orgs
        ).values_list(*KEY)
    )
    return [n for n in batch if _key(n) not in there]


def notify_on_commit(make) -> None:
    """For a service telling of an event: `make()` returns the notifications, saved once the
    event's own transaction has committed (nothing when it rolls back)."""
    transaction.on_commit(lambda: deliver(make()))


def enqueue_email() -> None:
    """Asks a worker to send the unsent mail; with the broker down, beat's run does it later."""
    from .tasks import send_pending_task  # the task module imports this one

    try:
        send_pending_task.delay()
    except Exception:  # the broker unreachable: the rows wait for beat's run
        logger.warning("could not enqueue notification email; beat will send it", exc_info=True)


# --- The inbox ------------------------------------------------------------------------------------


def unread_count(user) -> int:
    """The navigation's badge: counted at most once a minute per user (UNREAD_TTL); counted
    every time while the cache is unreachable. Asked twice in a request (the bar, the home),
    read once: kept on the user object, which lives as long as the request."""
    known = getattr(user, "_unread_count", None)
    if known is not None:
        return known
    user._unread_count = _unread_count(user)
    return user._unread_count


def _unread_count(user) -> int:
    try:
        key = f"inbox-unread:{user.pk}:{cache.get_or_set(EPOCH, 0, None)}"
        count = cache.get(key)
    except Exception:
        logger.warning("the cache is unreachable; counting unread notifications", exc_info=True)
        return access.notifications_for(user).unread().count()
    if count is None:
        count = access.notifications_for(user).unread().count()
        cache.set(key, count, UNREAD_TTL)
    return count


def _forget_unread_counts() -> None:
    """Every badge is counted again (one key moves, no scan of users'). A cache that is down
    only leaves badges a minute behind: never a reason to fail the write."""
    try:
        cache.incr(EPOCH)
    except ValueError:  # no epoch yet (or it expired with the cache's memory)
        cache.set(EPOCH, 1, None)
    except Exception:
        logger.warning("the cache is unreachable; unread counts may lag", exc_info=True)


def mark_read(user, notifications) -> int:
    """Marks read what the user may see of `notifications` (a queryset); returns how many."""
    count = notifications.filter(access.addressed_to(user)).unread().update(read_at=timezone.now())
    user._unread_count = None
    if count:
        _forget_unread_counts()
    return count


# --- Email ----------------------------------------------------------------------------------------


def _recipients(rows: list[Notification]) -> dict[int, list[str]]:
    """{notification id: addresses} of the holders now (or the user): one query for the roles."""
    wanted = {(n.organization_id, n.role_kind) for n in rows if n.user_id is None}
    holders: dict[tuple, list[str]] = {}
    if wanted:
        roles = Role.objects.filter(
            organization_id__in={o for o, _k in wanted}, user__is_active=True
        ).values_list("organization_id", "kind", "user__email")
        for organization_id, kind, email in roles:
            if email and (organization_id, kind) in wanted:
                holders.setdefault((organization_id, kind), []).append(email)
    found = {}
    for n in rows:
        if n.user_id is not None:
            found[n.pk] = [n.user.email] if n.user.email and n.user.is_active else []
        else:
            found[n.pk] = sorted(set(holders.get((n.organization_id, n.role_kind), [])))
    return found


def send_pending(limit: int = 500) -> int:
    """Mails the notifications not mailed yet, oldest first; returns how many went out. Each
    row is claimed before sending (its attempt counter moved by a conditional UPDATE), so two
    runs at once never send one twice; it is marked sent only once sent."""
    rows = list(
        Notification.objects.unsent()
        .filter(email_attempts__lt=MAX_EMAIL_ATTEMPTS)
        .select_related("user")
        .order_by("created_at")[:limit]
    )
    if not rows:
        return 0
    addresses = _recipients(rows)
    sent = 0
    connection = get_connection()
    for n in rows:
        claimed = Notification.objects.filter(
            pk=n.pk, emailed_at__isnull=True, email_attempts=n.email_attempts
        ).update(email_attempts=F("email_attempts") + 1)
        if not claimed:
            continue
        to = addresses.get(n.pk, [])
        if to:
            body = n.body + (f"\n\n{settings.SITE_URL.rstrip('/')}{n.url}" if n.url else "")
            EmailMessage(f"【创先争优】{n.title}", body, to=to, connection=connection).send()
            sent += 1
        # Nobody to mail (no address on file) counts as done: the inbox still shows it.
        Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
    return sent


def tell(
    kind: str,
    organization_id: int,
    *,
    title: str,
    subject: str,
    period: str,
    role_kind: str = RoleKind.SECRETARY,
    user=None,
    body: str = "",
    url: str = "",
    campaign_id: int | None = None,
) -> None:
    """One event's notice (a pledge returned, a review written…), written once the event's own
    transaction has committed, never when it rolls back. `period` names the occurrence (an
    event's id), so the same event is never told twice; with `user`, it is that person's."""

    def make():
        return [
            Notification(
                kind=kind,
                campaign_id=campaign_id,
                organization_id=organization_id,
                role_kind="" if user is not None else role_kind,
                user=user,
                subject=subject,
                period=period,
                title=title[:200],
                body=body,
                url=url,
            )
        ]

    notify_on_commit(make)


def on_job_finished(sender, job, **kwargs) -> None:
    """A long import or export (core.jobs) has ended: its owner hears of it, under the first
    organisation of their scope (a notice needs one); an owner with no role is not told."""
    roots = org_access.roots_for(job.owner)
    if not roots:
        return
    done = job.state == JobState.DONE
    title = _("后台任务已完成：%(title)s") if done else _("后台任务未成功：%(title)s")
    tell(
        NoticeKind.JOB,
        roots[0].pk,
        user=job.owner,
        title=title % {"title": job.title},
        subject=f"user:{job.owner_id}",
        period=f"job:{job.pk}",
        url=job.get_absolute_url(),
    )
