"""Sum the impact sales rollups again from the orders (``impact.rollups.rebuild``)."""

import time

from django.core.management.base import BaseCommand

from impact import rollups


class Command(BaseCommand):
    help = "Rebuild the impact sales rollups (per day, cooperative and buyer) from the orders."

    def handle(self, *args, **options):
        start = time.perf_counter()
        written = rollups.rebuild()
        self.stdout.write(
            f"Rebuilt the impact rollups in {time.perf_counter() - start:.1f} s: "
            f"{written['sales']} sales rows, {written['order_sets']} order rows by county set."
        )
