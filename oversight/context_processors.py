from django.utils.functional import SimpleLazyObject

from orgs import access


def navigation(request):
    """What the navigation bar offers this user: computed lazily, only when a template asks."""
    user = request.user

    def nav():
        if not user.is_authenticated:
            return {}
        roots = access.roots_for(user)
        return {
            "roots": roots,
            "home_org": roots[0] if len(roots) == 1 else None,
            "can_manage": access.can_manage_anything(user),
            "is_admin": access.is_admin(user),
        }

    return {"nav": SimpleLazyObject(nav)}
