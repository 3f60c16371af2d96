from django.core.management.base import BaseCommand, CommandError

from indicators.framework_file import dump_framework
from indicators.models import Framework
from indicators.selectors import framework_document


class Command(BaseCommand):
    help = "Write a stored framework in the framework file format (YAML, or JSON with --json)."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("version", type=int)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--output", "-o", help="file to write; standard output when absent")

    def handle(self, *args, code, version, json, output, **options):
        framework = Framework.objects.filter(code=code, version=version).first()
        if framework is None:
            raise CommandError(f"No framework {code} v{version}.")
        text = dump_framework(framework_document(framework), as_json=json)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
