from django.core.management.base import BaseCommand

from catalog.search import documents


class Command(BaseCommand):
    help = "Rebuild every product's search document (商品搜索索引)."

    def handle(self, *args, **options):
        written = documents.rebuild()
        self.stdout.write(f"{written} search documents rebuilt")
