"""Models, one module per concept of the data flow (see DESIGN.md)."""

from .contacts import Contact, Suppression
from .coupons import IssuedCoupon
from .deliveries import Delivery
from .enrollments import Enrollment
from .events import Event
from .letters import EmailTemplate
from .scenarios import Scenario, Step

__all__ = [
    "Contact",
    "Delivery",
    "EmailTemplate",
    "Enrollment",
    "Event",
    "IssuedCoupon",
    "Scenario",
    "Step",
    "Suppression",
]
