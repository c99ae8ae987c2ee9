from django import template
from django.urls import reverse
from django.utils.html import format_html_join

from core import slots

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name, tag="div", **kwargs):
    """One htmx placeholder per view filling the slot (see core/slots.py); `tag` is the element
    the placeholder is (span inside a paragraph), the other keywords go to the view's URL."""
    request = context.get("request")
    query = request.GET.urlencode() if request is not None else ""
    urls = [
        reverse(url_name, kwargs=kwargs) + (f"?{query}" if query else "")
        for url_name in slots.fillers(name)
    ]
    return format_html_join(
        "",
        '<{0} hx-get="{1}" hx-trigger="load" hx-target="this" hx-swap="outerHTML"></{0}>',
        ((tag, url) for url in urls),
    )
