"""The people of the contact tests: a manager in wholesale (with a team below it) and one in
retail, each with a contact, a company and a deal of their own."""

import pytest

from tests.factories import CompanyFactory, ContactFactory, DealFactory, sales_staff

NAMES = {"responsible": "Responsiblov", "other": "Otherov"}
TITLES = {"responsible": "Responsible's client", "other": "Other's client"}


@pytest.fixture
def people(pipeline):
    """Wholesale (with a team below it) and retail; a contact, a company and a deal of each
    manager's."""
    users = sales_staff()
    contacts = {
        owner: ContactFactory(first_name="Ivan", last_name=NAMES[owner], responsible=users[owner])
        for owner in NAMES
    }
    companies = {owner: CompanyFactory(title=TITLES[owner], responsible=users[owner])
                 for owner in TITLES}  # fmt: skip
    deals = {owner: DealFactory(title=f"{owner} deal", responsible=users[owner])
             for owner in TITLES}  # fmt: skip
    return users, contacts, companies, deals
