from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "corp.contrib.billing"
    label = "corp_billing"
