"""Evidence attached to progress records: images and PDF, judged by their bytes, not their name."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The first bytes of each accepted type; a file whose bytes match none of them is refused, whatever
# its name or the browser's declared content type say.
SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
]
ACCEPT = ".jpg,.jpeg,.png,.pdf"
# Markup a browser would run, which no photo or scanned PDF holds in clear: a file that starts as
# an image and goes on as a page (a polyglot) is refused, though it is served as an image with
# nosniff, in case it is ever opened another way (saved, then opened from the disk).
MARKUP = re.compile(rb"<\s*(script|html|svg|iframe|body)\b|<!doctype\s+html|javascript:", re.I)


def size_label(size: int) -> str:
    """A size as people say it: "5 MB", "1.5 MB", "300 KB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(size // 1024, 1)} KB"


def sniff(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_attachment(upload) -> str:
    """Returns the attachment's real content type, or raises ValidationError in plain Chinese."""
    limit = settings.PLEDGE_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "attachment": _("附件不能超过 %(limit)s，请压缩后再上传（请重新选择文件）。")
                % {"limit": size_label(limit)}
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None or _holds_markup(upload):
        raise ValidationError(
            {"attachment": _("附件只能是 JPG、PNG 图片或 PDF 文件；该文件的内容不是这几种格式。")}
        )
    return content_type


def _holds_markup(upload) -> bool:
    overlap, tail = 32, b""
    for chunk in upload.chunks():
        if MARKUP.search(tail + chunk):
            upload.seek(0)
            return True
        tail = chunk[-overlap:]
    upload.seek(0)
    return False
