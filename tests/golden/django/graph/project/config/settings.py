AUTH_USER_MODEL = 'accounts.User'
