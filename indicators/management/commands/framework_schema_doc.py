from django.core.management.base import BaseCommand, CommandError

from indicators.framework_schema_doc import PAGE, SchemaOutOfStep, with_reference


class Command(BaseCommand):
    help = ("Write the reference of every key of a framework file, rendered from indicators/framework.schema.json, "
            "into docs/framework-format.md.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only say whether the page is up to date")

    def handle(self, *args, check, **options):
        page = PAGE.read_text(encoding="utf-8")
        try:
            current = with_reference(page)
        except SchemaOutOfStep as error:
            raise CommandError(str(error)) from error
        if check:
            if current != page:
                raise CommandError(f"{PAGE} is out of step with the schema: run manage.py framework_schema_doc")
            self.stdout.write(f"{PAGE}: up to date")
        elif current != page:
            PAGE.write_text(current, encoding="utf-8")
            self.stdout.write(f"{PAGE}: written")
        else:
            self.stdout.write(f"{PAGE}: up to date")
