"""Fetching what a request may touch: anything outside the user's regions is a 404, never a leak."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from ..models import Submission
from ..permissions import visible_regions


def visible_submission(request, pk) -> Submission:
    submission = get_object_or_404(Submission.objects.select_related("region__province", "cycle__framework"), pk=pk)
    if not visible_regions(request.user).filter(pk=submission.region_id).exists():
        raise Http404
    return submission
