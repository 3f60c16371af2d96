"""URLs of the history pages (included by assessments/urls.py)."""

urlpatterns = []
