"""``python manage.py load_demo_data``: a shop to play with. Safe to run again.

Creates the page tree (replacing Wagtail's welcome page), products with drawn pictures, an
``admin``/``admin`` superuser, the built-in trigger scenarios (all switched on) and a few
customers with a history, so that every chain has somebody to write to at the next tick.

The history is dated back from the real current time (customers last seen 95, 115, 200 and
370 days ago, an order 26 hours ago…), so the README's story holds on any date.

``--reset`` is the way back after playing or time-travelling: it deletes every customer,
event, chain, letter, click, coupon, cart, order and outbox message, then loads the history
again as of now. Pages, products, the admin user, the scenarios' settings and edited letters
stay; all scenarios are switched on again as shipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.images import ImageFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from shop import events
from shop.illustrations import product_png
from shop.models import Cart, CartLine, HomePage, Order, OrderLine, ProductIndexPage, ProductPage


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    title: str
    slug: str
    price: str
    drawing: str
    background: str
    colour: str
    description: str


PRODUCTS = [
    ProductSpec(
        "LL-APRON",
        "Linen apron",
        "linen-apron",
        "29.90",
        "apron",
        "#8fa37e",
        "#4f6b3a",
        "Stonewashed European linen, one size, with a deep pocket for the tea towel you always lose.",
    ),
    ProductSpec(
        "LL-MUG",
        "Stoneware mug “Morning”",
        "stoneware-mug",
        "14.90",
        "mug",
        "#e2c9a6",
        "#b98b5e",
        "Hand-thrown, 350 ml, glazed in warm sand. Holds exactly one proper cup of coffee.",
    ),
    ProductSpec(
        "LL-SKILLET",
        "Cast-iron skillet 26 cm",
        "cast-iron-skillet",
        "59.00",
        "skillet",
        "#9bb0bf",
        "#33373d",
        "Pre-seasoned cast iron that will outlive us all. Oven-safe, campfire-happy.",
    ),
    ProductSpec(
        "LL-TOWELS",
        "Linen tea towels, set of 2",
        "linen-tea-towels",
        "18.50",
        "towels",
        "#d9a38f",
        "#b5523b",
        "Classic red stripes, softer with every wash, and they actually dry glasses.",
    ),
    ProductSpec(
        "LL-CANDLE",
        "Beeswax pillar candle",
        "beeswax-candle",
        "12.00",
        "candle",
        "#7f8fa8",
        "#f0d27a",
        "Pure beeswax from a small apiary, burns for about 40 hours with a faint smell of honey.",
    ),
    ProductSpec(
        "LL-HONEY",
        "Wildflower honey 250 g",
        "wildflower-honey",
        "9.80",
        "honey",
        "#a7c2a0",
        "#e0a32e",
        "Raw, unfiltered, from meadows full of clover and linden. It will crystallise: that is a good sign.",
    ),
    ProductSpec(
        "LL-BOARD",
        "Oak bread board",
        "oak-bread-board",
        "34.00",
        "board",
        "#c9a5a0",
        "#c18a4d",
        "Solid oak oiled with linseed, with a handle to hang it by. For bread, cheese and showing off.",
    ),
    ProductSpec(
        "LL-THROW",
        "Wool throw blanket",
        "wool-throw",
        "89.00",
        "blanket",
        "#a9b7c9",
        "#8a5a44",
        "Heavy lambswool in rust and chocolate checks, 130 x 180 cm, with fringes.",
    ),
    ProductSpec(
        "LL-POT",
        "Enamel coffee pot",
        "enamel-coffee-pot",
        "42.00",
        "coffee_pot",
        "#e4c27f",
        "#3f6e8c",
        "1.2 litres of speckled blue enamel for the stove top or the campfire.",
    ),
    ProductSpec(
        "LL-SALT",
        "Ceramic salt cellar",
        "salt-cellar",
        "16.00",
        "salt",
        "#b9c9b0",
        "#d9d2c5",
        "A wide bowl with a small olive-wood spoon, for the salt you reach for with your fingers.",
    ),
]


@dataclass(frozen=True)
class Customer:
    email: str
    first_name: str
    last_name: str
    language: str
    story: str


# Customers last seen long ago: the wake-up and "hooliganism" chains scan for them.
ABSENT = [
    (95, Customer("maya.brooks@example.com", "Maya", "Brooks", "en", "last seen 95 days ago: wake-up after 90 days")),
    (115, Customer("oleg.petrov@example.com", "Олег", "Петров", "ru", "115 days ago, Russian: wake-up, hooliganism")),
    (
        200,
        Customer("clara.jensen@example.com", "Clara", "Jensen", "en", "last seen 200 days ago: wake-up after 180 days"),
    ),
    (370, Customer("tom.hughes@example.com", "Tom", "Hughes", "en", "last seen 370 days ago: wake-up after 360 days")),
]
ANNA = Customer("anna.smith@example.com", "Anna", "Smith", "en", "first order yesterday: follow-up chain")
SAM = Customer("sam.carter@example.com", "Sam", "Carter", "en", "cancelled an order 2 hours ago: cancelled-order chain")
LENA = Customer("lena.vogel@example.com", "Lena", "Vogel", "en", "left a cart 3 hours ago: forgotten-cart chain")


def _delete(model) -> int:
    """Delete every row of ``model`` (and what cascades); how many of ``model`` itself went."""
    return model.objects.all().delete()[1].get(model._meta.label, 0)


class Command(BaseCommand):
    help = (
        "Create the demo shop's pages, products, admin user, scenarios and customers. Idempotent. "
        "--reset first deletes the customers' history (events, chains, letters, carts, orders, coupons)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help=(
                "Start the story again: delete every customer, event, chain, letter, click, coupon, cart, "
                "order and outbox message, switch every scenario on again and reload the history as of now. "
                "Keeps pages, products, users, the scenarios' settings and edited letters."
            ),
        )

    def handle(self, *args, **options):
        self.now = timezone.now()
        self.made: list[str] = []
        self.reset = options["reset"]
        if self.reset:
            self.wipe_history()
        with transaction.atomic():
            home = self.ensure_pages()
            products = self.ensure_products(home)
            self.ensure_admin()
        # Scenarios are switched on BEFORE the history is recorded: with a cluster running,
        # events are processed as soon as they commit, and would find no chain to start.
        self.ensure_scenarios()
        # django-q2 logs one "Enqueued" line per recorded event; the summary says enough.
        logging.getLogger("django-q").setLevel(logging.WARNING)
        with transaction.atomic():
            self.ensure_customers(products)
        self.summary()

    # --- pages and products ------------------------------------------------------------------

    def ensure_pages(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            # Wagtail's migrations create a plain "Welcome to your new Wagtail site!" page as
            # the site root. Remove it (the Site row goes with it) and put the shop's home there.
            plain = ContentType.objects.get_for_model(Page)
            for page in Page.objects.child_of(root).filter(content_type=plain):
                page.delete()
            home = root.add_child(
                instance=HomePage(
                    title=settings.SHOP_NAME,
                    slug="home",
                    intro="Linen, stoneware and good things for a slow kitchen.",
                )
            )
            self.made.append("home page (replacing Wagtail's welcome page)")
        site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
        if site is None:
            Site.objects.create(
                hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=settings.SHOP_NAME
            )
            self.made.append("default site")
        elif site.root_page_id != home.pk or not site.is_default_site:
            site.root_page = home
            site.is_default_site = True
            site.site_name = settings.SHOP_NAME
            site.save()
        return home

    def ensure_products(self, home: HomePage) -> dict[str, ProductPage]:
        index = ProductIndexPage.objects.child_of(home).first()
        if index is None:
            index = home.add_child(
                instance=ProductIndexPage(title="All products", slug="products", intro="Everything we make and sell.")
            )
        products: dict[str, ProductPage] = {}
        created = 0
        for spec in PRODUCTS:
            product = ProductPage.objects.filter(sku=spec.sku).first()
            if product is None:
                product = index.add_child(
                    instance=ProductPage(
                        title=spec.title,
                        slug=spec.slug,
                        sku=spec.sku,
                        price=Decimal(spec.price),
                        short_description=spec.description,
                        image=self.make_image(spec),
                    )
                )
                created += 1
            elif product.image is None:
                product.image = self.make_image(spec)
                product.save(update_fields=["image"])
            products[spec.sku] = product
        if created:
            self.made.append(f"{created} products with pictures")
        return products

    def make_image(self, spec: ProductSpec):
        from io import BytesIO

        Image = get_image_model()
        png = product_png(spec.title, spec.drawing, spec.background, spec.colour)
        image = Image(title=spec.title, file=ImageFile(BytesIO(png), name=f"{spec.slug}.png"))
        image.save()
        return image

    def ensure_admin(self) -> None:
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@larder-linen.example", "admin")
            self.made.append("superuser admin / admin")

    # --- trigger scenarios ---------------------------------------------------------------------

    def ensure_scenarios(self) -> None:
        from wagtail_triggers.models import Scenario

        call_command("triggers_setup", stdout=self.stdout)
        # Normally a scenario only reacts to events from after it was switched on, so turning
        # a chain on never mails people about old carts. The demo backdates its customers'
        # history, so it switches the scenarios on "400 days ago" to let that history count.
        enabled_since = self.now - timedelta(days=400)
        switched = 0
        for scenario in Scenario.objects.all():
            if self.reset:  # as shipped: on, and counting the backdated history
                scenario.enabled, scenario.enabled_at = False, None
            if not scenario.enabled:
                scenario.set_enabled(True, now=enabled_since)
                switched += 1
        if switched:
            self.made.append(f"{switched} scenarios switched on")
        # A demo visitor will not wait an hour: the first cart reminder comes after 2 minutes.
        for scenario in Scenario.objects.filter(kind="forgotten_cart"):
            scenario.steps.filter(position=1).update(delay=timedelta(minutes=2))

    # --- the way back ------------------------------------------------------------------------

    def wipe_history(self) -> None:
        """Delete what the customers did and what the chains did to them (``--reset``)."""
        from shop.models import Coupon, OutboxMessage
        from wagtail_triggers.models import Contact, ErasedAddress, Event, IssuedCoupon

        with transaction.atomic():
            # Contacts take their chains, letters, clicks, conversions, answers and
            # suppressions with them; events of no contact and coupons of none go separately.
            counts = {
                "customers": _delete(Contact),
                "events": _delete(Event),
                "coupons": _delete(IssuedCoupon) + _delete(Coupon),
                "orders": _delete(Order),
                "carts": _delete(Cart),
                "letters in the outbox": _delete(OutboxMessage),
            }
            ErasedAddress.objects.all().delete()  # a forgotten demo customer may come back
        self.made.append("history deleted (" + ", ".join(f"{name}: {n}" for name, n in counts.items() if n) + ")")

    # --- customers with a history ------------------------------------------------------------

    def ensure_customers(self, products: dict[str, ProductPage]) -> None:
        from wagtail_triggers import EventKind, record_event

        for days, customer in ABSENT:
            # The idempotency key makes a second run return the first run's event.
            record_event(
                EventKind.CUSTOMER_SEEN,
                email=customer.email,
                customer={
                    "first_name": customer.first_name,
                    "last_name": customer.last_name,
                    "language": customer.language,
                },
                occurred_at=self.now - timedelta(days=days),
                key=f"demo-seen-{customer.email}",
            )

        if not Order.objects.filter(email=ANNA.email).exists():
            order = self.make_order(ANNA, products, ["LL-APRON", "LL-TOWELS"], placed=self.now - timedelta(hours=26))
            events.customer_registered(order)
            events.order_completed(order)
            self.made.append(f"Anna's order {order.number} (yesterday)")

        if not Order.objects.filter(email=SAM.email).exists():
            order = self.make_order(SAM, products, ["LL-SKILLET", "LL-BOARD"], placed=self.now - timedelta(hours=3))
            events.customer_registered(order)
            events.order_completed(order)
            order.status = Order.Status.CANCELLED
            order.cancelled_at = self.now - timedelta(hours=2)
            order.save(update_fields=["status", "cancelled_at"])
            events.order_cancelled(order)
            self.made.append(f"Sam's cancelled order {order.number}")

        if not Cart.objects.filter(email=LENA.email).exists():
            changed = self.now - timedelta(hours=3)
            cart = Cart.objects.create(
                email=LENA.email,
                first_name=LENA.first_name,
                language=LENA.language,
                created_at=changed,
                updated_at=changed,
            )
            for sku, quantity in (("LL-MUG", 2), ("LL-HONEY", 1), ("LL-CANDLE", 1)):
                CartLine.objects.create(cart=cart, product=products[sku], quantity=quantity)
            events.cart_updated(cart, occurred_at=changed, key=f"demo-cart-{cart.pk}")
            self.made.append("Lena's forgotten cart")

    def make_order(self, customer: Customer, products, skus: list[str], *, placed) -> Order:
        cart = Cart.objects.create(
            email=customer.email,
            first_name=customer.first_name,
            language=customer.language,
            created_at=placed - timedelta(minutes=20),
            updated_at=placed,
            checked_out_at=placed,
        )
        chosen = [products[sku] for sku in skus]
        for product in chosen:
            CartLine.objects.create(cart=cart, product=product, quantity=1)
        total = sum((product.price for product in chosen), Decimal("0.00"))
        order = Order.objects.create(
            email=customer.email,
            first_name=customer.first_name,
            last_name=customer.last_name,
            language=customer.language,
            cart=cart,
            subtotal=total,
            total=total,
            created=placed,
        )
        for product in chosen:
            OrderLine.objects.create(
                order=order,
                product=product,
                name=product.title,
                sku=product.sku,
                quantity=1,
                unit_price=product.price,
            )
        return order

    # --- summary -----------------------------------------------------------------------------

    def summary(self) -> None:
        base = settings.BASE_URL
        write = self.stdout.write
        write("")
        if self.made:
            write(self.style.SUCCESS("Demo data created: " + "; ".join(self.made) + "."))
        else:
            write(self.style.SUCCESS("Demo data already in place; nothing to add."))
        write("")
        write(f"  Shop     {base}/")
        write(f"  Outbox   {base}/outbox/            (every letter the shop sends lands here)")
        write(f"  Admin    {base}/admin/             login: admin / admin")
        write("")
        write("  Customers with a history, waiting for their letters:")
        for _days, customer in ABSENT:
            write(f"    {customer.email:28} {customer.story}")
        for customer in (ANNA, SAM, LENA):
            write(f"    {customer.email:28} {customer.story}")
        write("")
        write("  To send the letters that are due:")
        write("    python manage.py triggers_tick        # one engine pass, now")
        write("    python manage.py qcluster             # or keep the engine running (ticks every minute)")
        write("  To see the next letters of the chains, travel in time (see the README for what each sends):")
        write("    python manage.py triggers_tick --now +1d    # one engine pass as if it were a day later")
        write("  To start the story again as of now:")
        write("    python manage.py load_demo_data --reset")
