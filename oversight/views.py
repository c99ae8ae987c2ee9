from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from orgs import access


@login_required
def home(request):
    """Where a user lands: the branch page of a secretary of one branch, the tree otherwise."""
    roots = access.roots_for(request.user)
    if not roots:
        return render(request, "oversight/no_role.html")
    if len(roots) == 1 and roots[0].holds_members and roots[0].numchild == 0:
        return redirect(roots[0])
    return redirect("orgs:tree")
