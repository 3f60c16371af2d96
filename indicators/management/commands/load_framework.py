from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.framework_file import FrameworkFileError, load_framework_file
from indicators.services import framework_import, framework_publish
from smartgov.errors import DomainError

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "frameworks" / "smartgov-maturity.yaml"
VERSION_2_FILE = DEFAULT_FILE.with_name("smartgov-maturity-v2.yaml")


class Command(BaseCommand):
    help = "Import a framework file (the default framework when none is given); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))
        parser.add_argument("--publish", action="store_true", help="publish it if it is still a draft")

    def handle(self, *args, file, publish, **options):
        try:
            outcome = framework_import(document=load_framework_file(file))
            if publish and outcome.framework.is_editable:
                framework_publish(framework=outcome.framework)
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {file}") from error
        except FrameworkFileError as error:
            raise CommandError("The file was refused, nothing was written:\n" + "\n".join(
                f"  {field}: {reason}" for field, reason in error.errors)) from error
        except DomainError as error:
            raise CommandError(str(error)) from error
        framework = outcome.framework
        framework.refresh_from_db()
        self.stdout.write(f"{framework.code} v{framework.version}: {outcome.action} ({framework.status})")
