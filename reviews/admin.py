"""Reviews and rectifications in the admin: to look up, never to change. Every change goes
through reviews/services.py, which checks who may make it and keeps the history."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from orgs.admin import ScopedAdminMixin

from . import access
from .models import EvaluationRound, LeaderReview, Rectification


@admin.register(LeaderReview)
class LeaderReviewAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    list_display = ["organization", "member", "held_on", "form", "rating", "author"]
    list_filter = ["form", "rating", "campaign"]
    search_fields = ["organization__name", "member__name"]
    list_select_related = ["organization", "member", "author"]

    def in_scope(self, request, queryset):
        return queryset.filter(pk__in=access.reviews_for(request.user))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in LeaderReview._meta.fields]


@admin.register(Rectification)
class RectificationAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    list_display = ["problem", "organization", "state", "deadline", "source"]
    list_filter = ["state", "source"]
    search_fields = ["problem", "organization__name"]
    list_select_related = ["organization"]

    def in_scope(self, request, queryset):
        return queryset.filter(pk__in=access.rectifications_for(request.user))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Rectification._meta.fields]


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """Rounds only: codes and answers are never shown one by one, in the admin or anywhere."""

    list_display = ["title", "organization", "state", "starts_on", "ends_on"]
    list_filter = ["state"]
    search_fields = ["title", "organization__name"]
    list_select_related = ["organization"]

    def in_scope(self, request, queryset):
        return queryset.filter(pk__in=access.rounds_for(request.user))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in EvaluationRound._meta.fields]
