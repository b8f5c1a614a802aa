"""`crm.lead|deal|contact|company .add/.get/.list/.update/.delete/.fields`."""

from ..entities import ENTITIES, Entity, item_add, item_delete, item_get, item_list, item_update
from ..registry import Call, b24_method

OPERATIONS = {
    "add": item_add,
    "get": item_get,
    "list": item_list,
    "update": item_update,
    "delete": item_delete,
    "fields": lambda entity, call: {field.name: field.description() for field in entity.fields},
}


def _bound(operation, entity: Entity):
    def method(call: Call):
        return operation(entity, call)

    return method


for _name, _entity in ENTITIES.items():
    for _verb, _operation in OPERATIONS.items():
        b24_method(f"crm.{_name}.{_verb}", scope="crm")(_bound(_operation, _entity))
