"""The demo shop: Wagtail pages for the catalogue, plain Django models for carts and orders."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

CENTS = Decimal("0.01")


def shop_currency() -> str:
    return getattr(settings, "SHOP_CURRENCY", "EUR")


# --- Catalogue (Wagtail pages) -------------------------------------------------------------


class HomePage(Page):
    intro = models.CharField(max_length=255, blank=True)
    body = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["shop.ProductIndexPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["products"] = ProductPage.objects.live().descendant_of(self).select_related("image")
        return context


class ProductIndexPage(Page):
    intro = models.CharField(max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["shop.ProductPage"]
    parent_page_types = ["shop.HomePage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["products"] = ProductPage.objects.live().child_of(self).select_related("image")
        return context


class ProductPage(Page):
    sku = models.CharField("SKU", max_length=40, unique=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    short_description = models.TextField(blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("sku"),
        FieldPanel("price"),
        FieldPanel("image"),
        FieldPanel("short_description"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("short_description")]
    subpage_types: list[str] = []
    parent_page_types = ["shop.ProductIndexPage"]

    @property
    def currency(self) -> str:
        return shop_currency()


# --- Carts ---------------------------------------------------------------------------------


class Cart(models.Model):
    """A visitor's cart, found through the session; the email lets a guest be reminded of it."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    email = models.EmailField(blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    checked_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Cart {self.pk} ({self.email or 'guest'})"

    @property
    def currency(self) -> str:
        return shop_currency()

    def priced_lines(self) -> list[CartLine]:
        return list(self.lines.select_related("product", "product__image").order_by("pk"))

    @property
    def total(self) -> Decimal:
        return sum((line.subtotal for line in self.priced_lines()), Decimal("0.00"))

    @property
    def item_count(self) -> int:
        return sum(self.lines.values_list("quantity", flat=True))


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(ProductPage, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cart", "product"], name="shop_cartline_unique")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product.title}"

    @property
    def unit_price(self) -> Decimal:
        return self.product.price

    @property
    def subtotal(self) -> Decimal:
        return (self.product.price * self.quantity).quantize(CENTS)


# --- Orders and coupons --------------------------------------------------------------------


class Coupon(models.Model):
    """A personal discount code; trigger letters get theirs from :mod:`shop.coupons`."""

    code = models.CharField(max_length=40, unique=True)
    percent = models.PositiveSmallIntegerField()
    email = models.EmailField(blank=True, help_text="Empty: anyone may use it.")
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code} (-{self.percent} %)"

    def problem_for(self, email: str, *, now=None) -> str | None:
        """Why this coupon cannot be used by ``email`` now, or None when it can."""
        now = now or timezone.now()
        if self.used_at:
            return "This coupon has already been used."
        if self.expires_at and self.expires_at <= now:
            return "This coupon has expired."
        if self.email and self.email.lower() != email.strip().lower():
            return "This coupon belongs to another email address."
        return None


class Order(models.Model):
    class Status(models.TextChoices):
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COMPLETED)
    cart = models.ForeignKey(Cart, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    subtotal = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    discount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default=shop_currency)
    created = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Order {self.number or self.pk}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.number:  # readable and unique: derived from the primary key
            self.number = f"LL-{10000 + self.pk}"
            Order.objects.filter(pk=self.pk).update(number=self.number)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(ProductPage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=255)
    sku = models.CharField(max_length=40, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"

    @property
    def subtotal(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENTS)


# --- Outbox --------------------------------------------------------------------------------


class OutboxMessage(models.Model):
    """A letter "sent" by :class:`shop.outbox.OutboxBackend`, kept so the demo can show it."""

    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    from_email = models.CharField(max_length=320)
    to = models.TextField(help_text="Recipients, comma-separated.")
    subject = models.CharField(max_length=998)
    headers = models.JSONField(default=list, help_text="[name, value] pairs of the MIME message.")
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    raw = models.TextField(blank=True, help_text="The whole message as it would go over SMTP.")

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    def header(self, name: str) -> str:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), "")

    @property
    def unsubscribe_urls(self) -> list[str]:
        """The http(s) targets of the List-Unsubscribe header (``<https://…>, <mailto:…>``)."""
        value = self.header("List-Unsubscribe")
        urls = [part.strip().strip("<>") for part in value.split(",") if part.strip()]
        return [url for url in urls if url.startswith(("http://", "https://"))]

    @property
    def unsubscribe_mailtos(self) -> list[str]:
        value = self.header("List-Unsubscribe")
        urls = [part.strip().strip("<>") for part in value.split(",") if part.strip()]
        return [url for url in urls if url.startswith("mailto:")]
