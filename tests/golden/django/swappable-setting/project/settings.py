OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth.Application"
AUTH_USER_MODEL = "accounts.User"
