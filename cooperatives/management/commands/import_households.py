"""manage.py import_households FILE.csv|FILE.xlsx: all or nothing (see cooperatives.imports)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cooperatives.imports import COLUMNS, LIMITS, import_households


class Command(BaseCommand):
    help = "Import registered households and their memberships from CSV or XLSX (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8 or GBK) or XLSX with Chinese column headers")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")

        def progress(done, total):
            self.stdout.write(f"  {done * 100 // total}%")

        try:
            with path.open("rb") as upload:  # one byte past the limit is enough to refuse it
                data = upload.read(LIMITS.max_bytes + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        result = import_households(data, path.name, progress=progress)
        if not result.ok:
            for line, message in result.errors:
                self.stderr.write(f"第 {line} 行：{message}")
            first_line, first_message = result.errors[0]
            raise CommandError(
                f"{len(result.errors)} problem(s) in {result.rows} rows: nothing was imported "
                f"(第 {first_line} 行：{first_message}). Columns: {'、'.join(COLUMNS.values())}"
            )
        self.stdout.write(self.style.SUCCESS(f"Imported {result.created} households."))
