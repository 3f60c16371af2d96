"""URLs of the evidence pages (included by assessments/urls.py)."""

urlpatterns = []
