"""Celery tasks of the shop integration: thin wrappers over shopsync.pull."""

import logging

from celery import shared_task

from .pull import ShopBusy, shop_pull, shops_due_for_pull
from .push import order_pushes_send_due

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def shop_pull_task(shop_id: int) -> None:
    """Pull the shop's waiting orders; a pull already running for it makes this one a no-op
    (the running one takes what waits)."""
    try:
        shop_pull(shop_id=shop_id)
    except ShopBusy:
        logger.info("Shop %s is being pulled already", shop_id)


@shared_task
def shops_pull_due_task() -> None:
    """Queue a pull of every shop whose interval has passed."""
    for shop_id in shops_due_for_pull():
        shop_pull_task.delay(shop_id)


@shared_task(acks_late=True)
def order_pushes_send_task() -> None:
    """Send the status pushes whose time has come (a shop that was down gets them now)."""
    order_pushes_send_due()
