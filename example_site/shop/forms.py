from django import forms
from django.conf import settings


class ReminderEmailForm(forms.Form):
    """The cart page's "remind me" form: without an email no letter can ever be sent."""

    email = forms.EmailField(label="Your email", widget=forms.EmailInput(attrs={"placeholder": "you@example.com"}))
    first_name = forms.CharField(label="First name", required=False, max_length=150)
    language = forms.ChoiceField(label="Letters in", choices=settings.LANGUAGES, required=False)


class CheckoutForm(forms.Form):
    email = forms.EmailField(label="Email")
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    language = forms.ChoiceField(label="Letters in", choices=settings.LANGUAGES, required=False)
    coupon = forms.CharField(label="Coupon code", max_length=40, required=False)

    def clean_coupon(self):
        return self.cleaned_data["coupon"].strip().upper()
