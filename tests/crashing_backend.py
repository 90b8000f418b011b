"""An email backend that loses the connection in the middle of a message, like a real crash."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class DisconnectMidSendBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed during DATA")
