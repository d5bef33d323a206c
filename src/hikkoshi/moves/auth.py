"""Bearer tokens for API clients (``Authorization: Bearer hks_…``).

A token belongs to a user and acts with that user's rights, no more: a mover's token reaches
that mover's moves only. It stops working when its user can no longer sign in: deactivated by
an administrator (``is_active`` off) or deleted (the tokens are deleted with the user). Revoking
it on the account page deletes it. Being locked out of the sign-in form for a while after failed
attempts does not stop tokens: otherwise anyone who knows a mover's e-mail address could cut off
that mover's API clients by typing wrong passwords.
"""

from ninja.security import HttpBearer

from .models import ApiToken


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        user = ApiToken.user_for(token)
        if user is None or not user.is_active:
            return None
        return user
