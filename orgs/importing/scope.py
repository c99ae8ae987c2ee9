"""The organisations an import may reach: those in the user's write scope, with their ancestors.

Both imports match the names in a file against these, so they are read once, in tree order, with
only the columns the imports use (ORG_ONLY), and each is given the compared names of its path from
the root, which is how a file names an organisation.
"""

from collections.abc import Iterator

from django.db.models import Q

from .. import access
from ..models import Organization
from .reading import name_key

ORG_ONLY = ("id", "path", "depth", "numchild", "name", "kind", "sector", "grade", "active")


def scope_orgs(by, root_keys: set[str] | None = None) -> list[Organization]:
    """The organisations in `by`'s write scope and their ancestors, in tree order.

    For a superuser (whole tree), only the subtrees of the roots named by `root_keys` when given.
    """
    paths = access.scope_paths(by, write=True)
    if paths is None:
        orgs = Organization.objects.only(*ORG_ONLY)
        if root_keys is None:
            return list(orgs)
        roots = [root for root in orgs.filter(depth=1) if name_key(root.name) in root_keys]
        wanted = Q(pk__in=[])
        for root in roots:
            wanted |= Q(path__startswith=root.path)
        return list(orgs.filter(wanted | Q(depth=1)))
    step = Organization.steplen
    above = {path[:end] for path in paths for end in range(step, len(path), step)}
    orgs = access.organizations_for(by, write=True) | Organization.objects.filter(path__in=above)
    return list(orgs.only(*ORG_ONLY).order_by("path"))


def tree_state(by) -> int:
    """A fingerprint of the organisations an import by `by` may reach: it changes when one of
    them is added, renamed, moved, regraded or deactivated."""
    return hash(tuple((org.pk, *(getattr(org, f) for f in ORG_ONLY)) for org in scope_orgs(by)))


def orgs_with_keys(orgs: list[Organization]) -> Iterator[tuple[Organization, tuple]]:
    """Each organisation with the compared names of its path, root first (orgs in tree order)."""
    keys_at: dict[str, tuple] = {"": ()}
    step = Organization.steplen
    for org in orgs:
        parent = keys_at.get(org.path[:-step])
        if parent is None:
            continue  # its parent is outside what was read
        keys_at[org.path] = keys = (*parent, name_key(org.name))
        yield org, keys
