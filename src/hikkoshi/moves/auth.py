"""Bearer tokens for API clients (``Authorization: Bearer hks_…``)."""

from ninja.security import HttpBearer

from .models import ApiToken


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        return ApiToken.user_for(token)
