"""The WSGI application, loaded with every view's module.

Django imports the URLconf — and through it the views, the selectors and pandas, plotly and the rest — on the
first request a process serves: 0.7 s of CPU that a city officer's autosave would wait for after every worker
recycle (gunicorn's `--max-requests`), three workers at once on deadline day. Importing it here does that work
when the process loads instead; with gunicorn's `--preload` (docker-compose.yml) it is done once, in the master,
and a recycled worker is a fork ready at once. Nothing here opens a database connection or starts a thread, so
the forks share nothing they must not.
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartgov.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imported for its side effect: every view's module loaded now
