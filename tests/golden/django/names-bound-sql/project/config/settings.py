import os

SECRET_KEY = os.environ.get("SECRET_KEY", "x")
AUTH_USER_MODEL = "accounts.User"
SHOP_TABLE_PREFIX = "shop"
