from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy as _


class NewsQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True, published_at__lte=timezone.now())


class News(models.Model):
    """お知らせ: a news item on the portal top, edited in the admin."""

    title = models.CharField(_("title (Japanese)"), max_length=200)
    body = models.TextField(_("body (Japanese)"), blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("body (English)"), blank=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    is_published = models.BooleanField(_("published"), default=True)

    objects = NewsQuerySet.as_manager()

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news")
        ordering = ["-published_at"]

    def __str__(self):
        return self.title

    @property
    def localised_title(self) -> str:
        return self.title_en if get_language() == "en" and self.title_en else self.title

    @property
    def localised_body(self) -> str:
        return self.body_en if get_language() == "en" and self.body_en else self.body
