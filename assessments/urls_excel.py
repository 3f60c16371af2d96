"""URLs of the excel pages (included by assessments/urls.py)."""

urlpatterns = []
