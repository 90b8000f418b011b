"""Register the app in Saleor by hand instead of by manifest, and list installs.

manage.py triggers_saleor mutations --app-url https://triggers.example   # GraphQL to run in Saleor
manage.py triggers_saleor install --api-url https://shop.example/graphql/ --token <authToken>
manage.py triggers_saleor list
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wagtail_triggers.contrib.saleor import conf, remote
from wagtail_triggers.contrib.saleor.manifest import absolute, webhook_path
from wagtail_triggers.contrib.saleor.models import SaleorInstall
from wagtail_triggers.contrib.saleor.queries import PERMISSIONS, QUERIES


def _block(text: str) -> str:
    """A GraphQL block string (triple quotes); our queries contain no triple quotes."""
    return '"""\n' + text.strip() + '\n"""'


def mutations(app_name: str, app_url: str) -> str:
    parts = [
        "# 1. Create the app; keep the authToken it returns for `triggers_saleor install --token`.",
        "mutation {",
        f'  appCreate(input: {{name: "{app_name}", permissions: [{", ".join(PERMISSIONS)}]}}) {{',
        "    authToken",
        "    app { id }",
        "    errors { field code message }",
        "  }",
        "}",
        "",
        "# 2. One webhook per event; replace APP_ID with the app id from step 1.",
    ]
    for event, query in QUERIES.items():
        parts += [
            "mutation {",
            "  webhookCreate(input: {",
            '    app: "APP_ID"',
            f'    name: "{app_name}: {event.lower().replace("_", " ")}"',
            f'    targetUrl: "{absolute(None, webhook_path(event), origin=app_url)}"',
            f"    asyncEvents: [{event}]",
            "    isActive: true",
            "    query: " + _block(query).replace("\n", "\n    "),
            "  }) {",
            "    webhook { id }",
            "    errors { field code message }",
            "  }",
            "}",
            "",
        ]
    return "\n".join(parts)


class Command(BaseCommand):
    help = "Register the Saleor app by hand (appCreate/webhookCreate) and store or list installs."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("mutations", help="Print the appCreate and webhookCreate mutations to run in Saleor.")
        show.add_argument("--app-url", help="Public origin of this site (default: TRIGGERS_SALEOR_APP_URL).")
        install = sub.add_parser("install", help="Store an install for a token from appCreate.")
        install.add_argument("--api-url", required=True, help="e.g. https://shop.example/graphql/")
        install.add_argument("--token", required=True, help="The authToken appCreate returned.")
        install.add_argument("--secret", default="", help="Only for webhooks created with a secretKey (HMAC).")
        sub.add_parser("list", help="List installs.")

    def handle(self, *args, **options):
        getattr(self, "handle_" + options["action"])(options)

    def handle_mutations(self, options):
        app_url = options["app_url"] or conf.get("TRIGGERS_SALEOR_APP_URL")
        if not app_url:
            raise CommandError("pass --app-url https://your-site (the origin Saleor will POST webhooks to)")
        self.stdout.write(mutations(conf.get("TRIGGERS_SALEOR_APP_NAME"), app_url))

    def handle_install(self, options):
        api_url = conf.normalize_api_url(options["api_url"])
        if not conf.is_allowed(api_url):
            raise CommandError(f"{api_url} is not in TRIGGERS_SALEOR_ALLOWED_API_URLS: add it first")
        try:
            app_id = remote.fetch_app_id(api_url, options["token"])
        except remote.RemoteError as exc:
            raise CommandError(f"The token does not work against {api_url}: {exc}") from exc
        try:
            jwks, fetched_at = remote.fetch_jwks(api_url), timezone.now()
        except remote.RemoteError as exc:
            if not options["secret"]:
                raise CommandError(f"Could not fetch Saleor's public keys: {exc}") from exc
            jwks, fetched_at = {}, None
        _install, created = SaleorInstall.objects.update_or_create(
            api_url=api_url,
            defaults={
                "app_id": app_id,
                "token": options["token"],
                "webhook_secret": options["secret"],
                "jwks": jwks,
                "jwks_fetched_at": fetched_at,
                "is_active": True,
            },
        )
        self.stdout.write(f"{'Created' if created else 'Updated'} the install for {api_url} (app {app_id}).")

    def handle_list(self, options):
        for install in SaleorInstall.objects.order_by("api_url"):
            keys = ", ".join(k.get("kid", "?") for k in install.jwks.get("keys", [])) or "none"
            state = "active" if install.is_active else "inactive"
            self.stdout.write(f"{install.api_url}  app={install.app_id or '-'}  {state}  keys: {keys}")
