from core.tasks import crm_task

from . import services


@crm_task
def webhook_delivery_send_task(delivery_id: int) -> str | None:
    """Try one pending delivery (queued on commit of the event). Safe to run twice: a delivery
    already delivered, or not yet due, is left alone. Remote failures are not raised: the
    delivery row holds the next try, which the sweep picks up."""
    delivery = services.webhook_delivery_send(delivery_id=delivery_id)
    return delivery.status if delivery else None


@crm_task
def webhook_deliveries_send_due_task() -> int:
    """Every minute (beat): try the pending deliveries whose time has come."""
    return services.webhook_deliveries_send_due()
