"""Reads of the catalog. Products belong to nobody: any product scope opens the whole catalog."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import PermissionEntity
from accounts.policy import restrict

from .models import Product


def product_list(*, actor: AbstractBaseUser) -> QuerySet[Product]:
    """The products `actor` may view, in catalog order, with their section and currency."""
    products = Product.objects.select_related("section", "currency")
    return restrict(products, user=actor, entity=PermissionEntity.PRODUCT)
