# The project installs the fork in site/shop, not the app in shop/: both
# have the label "shop", and Django knows only the installed one.
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "site.shop.apps.ShopConfig",
]
