"""`crm.lead|deal|contact|company .add/.get/.list/.update/.delete/.fields`."""

from ..entities import ENTITIES, item_add, item_delete, item_get, item_list, item_update
from ..registry import Call, b24_method

OPERATIONS = {
    "add": item_add,
    "get": item_get,
    "list": item_list,
    "update": item_update,
    "delete": item_delete,
    "fields": lambda entity, call: {field.name: field.description() for field in entity.fields},
}


def bound(operation, target):
    """The method running `operation` on `target` (an entity, a product rows owner)."""

    def method(call: Call):
        return operation(target, call)

    return method


for _name, _entity in ENTITIES.items():
    for _verb, _operation in OPERATIONS.items():
        b24_method(f"crm.{_name}.{_verb}", scope="crm")(bound(_operation, _entity))
