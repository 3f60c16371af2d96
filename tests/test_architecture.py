"""The arrows between the apps (pyproject.toml, [tool.importlinter]): data flows one way, the scoring engine
imports no Django, the shared modules import no app, nothing but the API imports the API."""

import pytest
from importlinter.cli import lint_imports

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_import_contracts_are_kept(capsys):
    exit_code = lint_imports(config_filename="pyproject.toml", no_cache=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report
