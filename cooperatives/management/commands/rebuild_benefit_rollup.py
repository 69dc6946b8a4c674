"""manage.py rebuild_benefit_rollup: recompute the reports' rollup from the benefit ledger."""

from django.core.management.base import BaseCommand

from cooperatives import rollup


class Command(BaseCommand):
    help = "Recompute BenefitRollup from the append-only benefit ledger (safe to run any time)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"{rollup.rebuild()} rollup rows rebuilt."))
