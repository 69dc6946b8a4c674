from django.conf import settings
from django.core.management.base import BaseCommand

from orders.payments.intents import cancel_abandoned_orders


class Command(BaseCommand):
    help = "Cancel orders unpaid after PAYMENT_TIMEOUT_MINUTES and release their stock."

    def handle(self, *args, **options):
        numbers = cancel_abandoned_orders()
        self.stdout.write(
            f"Cancelled {len(numbers)} order(s) unpaid after "
            f"{settings.PAYMENT_TIMEOUT_MINUTES} minutes: {', '.join(numbers) or '-'}"
        )
