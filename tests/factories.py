"""factory_boy factories that build valid objects, and the reference data most tests need."""

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Department, User
from catalog.models import Currency, Product
from contacts.models import Company, Contact
from deals.models import Deal, Pipeline, Stage
from deals.services import StageSpec, pipeline_create
from leads.models import Lead, LeadStatus, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"manager{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("password")


def department(name: str, parent: Department | None = None) -> Department:
    if parent is None:
        return Department.objects.add_root({"name": name})
    return Department.objects.add_child(parent, {"name": name})


def currencies() -> dict[str, Currency]:
    """RUB as the base currency, USD at 90 and EUR at 100."""
    return {
        "RUB": Currency.objects.get_or_create(
            code="RUB", defaults={"name": "Рубль", "is_base": True, "rate": 1}
        )[0],
        "USD": Currency.objects.get_or_create(
            code="USD", defaults={"name": "US dollar", "rate": Decimal(90)}
        )[0],
        "EUR": Currency.objects.get_or_create(
            code="EUR", defaults={"name": "Euro", "rate": Decimal(100)}
        )[0],
    }


def sales_pipeline(name: str = "Sales") -> Pipeline:
    """new → negotiation → won / lost."""
    return pipeline_create(
        name=name,
        stages=[
            StageSpec("New", 10),
            StageSpec("Negotiation", 20),
            StageSpec("Won", 30, Stage.Semantics.WON, "#7BD500"),
            StageSpec("Lost", 40, Stage.Semantics.LOST, "#FF5752"),
        ],
    )


def lead_statuses() -> dict[str, LeadStatus]:
    specs = [
        ("new", "New", 10, LeadStatus.Semantics.IN_PROGRESS),
        ("in_process", "In process", 20, LeadStatus.Semantics.IN_PROGRESS),
        ("converted", "Converted", 30, LeadStatus.Semantics.CONVERTED),
        ("junk", "Junk", 40, LeadStatus.Semantics.JUNK),
    ]
    return {
        code: LeadStatus.objects.get_or_create(
            code=code, defaults={"name": name, "sort": sort, "semantics": semantics}
        )[0]
        for code, name, sort, semantics in specs
    }


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    title = factory.Sequence(lambda n: f"Company {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("100.00")
    currency = factory.LazyFunction(lambda: currencies()["RUB"])


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"source-{n}")
    name = factory.Sequence(lambda n: f"Source {n}")


class DealFactory(factory.django.DjangoModelFactory):
    """A deal in its pipeline's first stage, written directly (no timeline): for read tests."""

    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"Deal {n}")
    pipeline = factory.LazyFunction(
        lambda: Pipeline.objects.filter(is_default=True).first() or sales_pipeline()
    )
    stage = factory.LazyAttribute(lambda deal: deal.pipeline.stages.order_by("sort").first())
    currency = factory.LazyFunction(lambda: currencies()["RUB"])
    stage_changed_at = factory.LazyFunction(timezone.now)


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    title = factory.Sequence(lambda n: f"Lead {n}")
    status = factory.LazyFunction(lambda: lead_statuses()["new"])
    currency = factory.LazyFunction(lambda: currencies()["RUB"])
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


def role(name: str, scope: str, *, entities=None, actions=None):
    """A role with `scope` for every action (or `actions`) on every entity (or `entities`)."""
    from accounts.models import PermissionAction, PermissionEntity, Role, RolePermission

    created = Role.objects.create(name=name)
    RolePermission.objects.bulk_create(
        RolePermission(role=created, entity=entity, action=action, scope=scope)
        for entity in entities or PermissionEntity.values
        for action in actions or PermissionAction.values
    )
    return created


def user_with_role(username: str, scope: str = "own", **fields) -> User:
    """A member of staff whose one role gives `scope` for everything."""
    user = UserFactory(username=username, **fields)
    user.roles.add(role(f"{username} role", scope))
    return user


def sales_staff(*, entities=None) -> dict[str, User]:
    """Sales with Wholesale (a Wholesale team below it) and Retail, and three people:
    "responsible", a manager ("own") in the team; "other", a manager in Retail; "head", the
    head of Wholesale ("subdepartments"). Their roles cover `entities` (default: all)."""
    sales = department("Sales")
    wholesale = department("Wholesale", parent=sales)
    team = department("Wholesale team", parent=wholesale)
    retail = department("Retail", parent=sales)
    manager_role = role("Manager", "own", entities=entities)
    head_role = role("Head", "subdepartments", entities=entities)
    users = {
        "responsible": UserFactory(username="responsible", department=team),
        "other": UserFactory(username="other", department=retail),
        "head": UserFactory(username="head", department=wholesale),
    }
    users["responsible"].roles.add(manager_role)
    users["other"].roles.add(manager_role)
    users["head"].roles.add(head_role)
    return users
