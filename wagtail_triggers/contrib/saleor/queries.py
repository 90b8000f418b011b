"""The subscription queries of the app's webhooks: exactly the fields the letters use.

Saleor sends the query's result as the webhook body. Prices come from ``undiscountedUnitPrice``
for checkouts (``unitPrice``/``totalPrice`` may call a tax app for every webhook) and from
``unitPrice.gross`` for orders (what the customer paid). ``thumbnail(size: 256)`` is an absolute
URL of a thumbnail Saleor renders; product links are built from ``slug`` with
``TRIGGERS_SALEOR_PRODUCT_URL``. ``voucherCode`` is the code the order used, so a letter's
coupon is marked redeemed by it.
"""

from __future__ import annotations

USER_FIELDS = """
fragment TriggersUser on User {
  id
  email
  firstName
  lastName
  languageCode
  dateJoined
  lastLogin
}
"""

CHECKOUT_FIELDS = """
fragment TriggersCheckout on Checkout {
  id
  token
  email
  languageCode
  updatedAt
  channel { slug currencyCode }
  user { id email firstName lastName languageCode }
  lines {
    quantity
    variant {
      id
      sku
      name
      product { id name slug thumbnail(size: 256) { url } }
    }
    undiscountedUnitPrice { amount currency }
  }
}
"""

ORDER_FIELDS = """
fragment TriggersOrder on Order {
  id
  number
  status
  userEmail
  checkoutId
  voucherCode
  created
  languageCodeEnum
  channel { slug }
  user { id email firstName lastName languageCode }
  total { gross { amount currency } }
  lines {
    productName
    variantName
    productSku
    productVariantId
    quantity
    thumbnail(size: 256) { url }
    unitPrice { gross { amount currency } }
    variant { product { slug } }
  }
}
"""


def _subscription(typename: str, field: str, fragment: str, fragment_name: str) -> str:
    return (
        f"subscription {{\n  event {{\n    __typename\n    issuedAt\n"
        f"    ... on {typename} {{ {field} {{ ...{fragment_name} }} }}\n  }}\n}}\n{fragment.strip()}\n"
    )


# Saleor event name (as in the manifest's asyncEvents) → subscription query.
QUERIES: dict[str, str] = {
    "CHECKOUT_CREATED": _subscription("CheckoutCreated", "checkout", CHECKOUT_FIELDS, "TriggersCheckout"),
    "CHECKOUT_UPDATED": _subscription("CheckoutUpdated", "checkout", CHECKOUT_FIELDS, "TriggersCheckout"),
    "ORDER_CREATED": _subscription("OrderCreated", "order", ORDER_FIELDS, "TriggersOrder"),
    "ORDER_CANCELLED": _subscription("OrderCancelled", "order", ORDER_FIELDS, "TriggersOrder"),
    "ORDER_UPDATED": _subscription("OrderUpdated", "order", ORDER_FIELDS, "TriggersOrder"),
    "CUSTOMER_CREATED": _subscription("CustomerCreated", "user", USER_FIELDS, "TriggersUser"),
    "CUSTOMER_UPDATED": _subscription("CustomerUpdated", "user", USER_FIELDS, "TriggersUser"),
    "ACCOUNT_CONFIRMED": _subscription("AccountConfirmed", "user", USER_FIELDS, "TriggersUser"),
}

# What each event needs from Saleor; an app without a permission receives no webhook at all.
PERMISSIONS = ("MANAGE_CHECKOUTS", "MANAGE_ORDERS", "MANAGE_USERS")
