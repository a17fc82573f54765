from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "tests._site.billing"
    label = "corp_billing"
