"""Models, one module per concept of the data flow (see DESIGN.md)."""

from .answers import Answer
from .contacts import Contact, ErasedAddress, Suppression
from .coupons import IssuedCoupon
from .deliveries import Conversion, Delivery, TrackingEvent
from .enrollments import Enrollment
from .events import Event
from .letters import EmailTemplate
from .scenarios import Scenario, Step

__all__ = [
    "Answer",
    "Contact",
    "Conversion",
    "Delivery",
    "EmailTemplate",
    "Enrollment",
    "ErasedAddress",
    "Event",
    "IssuedCoupon",
    "Scenario",
    "Step",
    "Suppression",
    "TrackingEvent",
]
