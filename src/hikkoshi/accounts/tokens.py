"""Bearer tokens for API clients (``Authorization: Bearer hks_…``): ``TokenAuth``, the
authentication the API assembly (``hikkoshi.api.api``) gives the routers that need a signed-in
user (``moves.api``); ``request.auth`` is then the token's user.

A token belongs to a user and acts with that user's rights, no more (``moves.access``): a
mover's token reaches that mover's moves; an estate agency's staff member's also the moves of
their store, a manager's those of the agency, a call-centre operator's those of the centre. It
stops working when its user can no longer sign in: deactivated by an administrator
(``is_active`` off), deleted (the tokens are deleted with the user), or staff whose every
membership is in a suspended or removed agency or an inactive call centre
(``access.sign_in_refused``). Revoking it on the account page deletes it. Being locked
out of the sign-in form for a while after failed attempts does not stop tokens: otherwise anyone
who knows a mover's e-mail address could cut off that mover's API clients by typing wrong
passwords.

A staff member's token carries staff rights only if it was made after a second factor
(``ApiToken.second_factor``) and the user still has an authenticator set up: otherwise it is
refused (401), so a token cannot get around the second factor of the staff pages. A user's
tokens are revoked (deleted) when they become staff, lose their last authenticator, or change or
reset their password (``signals``). Expired tokens are refused.
"""

from ninja.security import HttpBearer

from hikkoshi.identity import second_factors

from .access import is_staff_member, sign_in_refused
from .models import ApiToken


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        found = ApiToken.find(token)
        if found is None:
            return None
        user = found.user
        if not user.is_active or sign_in_refused(user):
            return None
        if is_staff_member(user) and not (found.second_factor and second_factors(user)):
            return None
        request.hikkoshi_api_token = found
        return user
