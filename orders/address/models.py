"""Oscar's address app, forked so the address book uses Chinese addresses too."""

from oscar.apps.address.abstract_models import AbstractUserAddress

from .chinese import ChineseAddressMixin


class UserAddress(ChineseAddressMixin, AbstractUserAddress):
    pass


from oscar.apps.address.models import *  # noqa: E402
