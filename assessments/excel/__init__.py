"""The Excel round trip of entered values: templates to fill in (`template`), reading them back (`reader`) and the
row-level error report (`report`). The rules of an import (what changes, what is refused) live in
`assessments.services.imports`."""
