"""Reads of the catalog. Products belong to nobody: any product scope opens the whole catalog."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import PermissionEntity
from accounts.policy import grant_for, restrict

from .models import Product, ProductRow, Section

SEARCH_LIMIT = 20


def product_list(*, actor: AbstractBaseUser) -> QuerySet[Product]:
    """The products `actor` may view, in catalog order, with their section and currency."""
    products = Product.objects.select_related("section", "currency")
    return restrict(products, user=actor, entity=PermissionEntity.PRODUCT)


def product_within(*, actor: AbstractBaseUser, product_ids, action: str) -> QuerySet[Product]:
    """The products among `product_ids` that `actor` may `action` (mass actions, export)."""
    products = Product.objects.filter(pk__in=product_ids).order_by("pk")
    return restrict(products, user=actor, entity=PermissionEntity.PRODUCT, action=action)


def product_export_rows(*, actor: AbstractBaseUser, products: QuerySet[Product]) -> QuerySet:
    """The products `actor` may export (of a filtered list), in catalog order."""
    products = products.select_related("section", "currency").order_by("name", "pk")
    return restrict(products, user=actor, entity=PermissionEntity.PRODUCT, action="export")


def product_get(*, actor: AbstractBaseUser, product_id: int) -> Product:
    """The product, if `actor` may view the catalog; Product.DoesNotExist otherwise."""
    return product_list(actor=actor).get(pk=product_id)


def product_search(
    *, actor: AbstractBaseUser, text: str, limit: int = SEARCH_LIMIT
) -> list[Product]:
    """Active products whose name or article starts with `text` (case-insensitive), at most
    `limit`, by name. An empty `text` finds nothing. One query."""
    text = text.strip()
    if not text:
        return []
    condition = Q(name__istartswith=text) | Q(sku__istartswith=text)
    products = product_list(actor=actor).filter(condition, is_active=True)
    return list(products.order_by("name", "pk")[:limit])


def products_within_section(products: QuerySet[Product], section: Section) -> QuerySet[Product]:
    """`products` of `section` and of every section below it (by the tree's path prefix)."""
    return products.filter(section__path__startswith=section.path)


def section_tree(*, actor: AbstractBaseUser) -> QuerySet[Section]:
    """Every section `actor` may see, depth-first (each section right after its parent, with
    its `depth`), in one query; nothing without a product scope."""
    return restrict(Section.objects.get_tree(), user=actor, entity=PermissionEntity.PRODUCT)


def section_get(*, actor: AbstractBaseUser, section_id: int) -> Section:
    """The section, if `actor` may view the catalog; Section.DoesNotExist otherwise."""
    return section_tree(actor=actor).get(pk=section_id)


def catalog_may(actor: AbstractBaseUser, action: str) -> bool:
    """May `actor` `action` (add, edit, delete…) catalog items? The catalog has no owner, so
    the role's product scope for the action answers for all of it."""
    if not (actor.is_authenticated and actor.is_active):
        return False
    return not grant_for(actor, PermissionEntity.PRODUCT, action).is_nothing


def catalog_require(actor: AbstractBaseUser, action: str) -> None:
    """PermissionDenied unless the actor may `action` the catalog (catalog_may)."""
    if not catalog_may(actor, action):
        raise PermissionDenied(_("Your role does not let you change the catalog."))


def product_rows_of(owner) -> QuerySet[ProductRow]:
    """The product rows of a deal or a lead, in their order, with their products."""
    return owner.product_rows.select_related("product").order_by("sort", "pk")
