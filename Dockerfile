FROM python:3.11-slim-bookworm
# postgresql-client: pg_dump and pg_restore for `manage.py backup` and `restore` (Debian 12's are version 15, as is
# the postgres:15 service).
RUN apt-get update && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils chromium \
      postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY smartgov smartgov
COPY assessments assessments
COPY indicators indicators
COPY reports reports
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
ENV DEBUG=false PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "smartgov.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
