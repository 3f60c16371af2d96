"""Pages for coordinators to onboard and manage people: the list, the Excel import (a dry run in the request,
then the apply in the background: the page of that request follows it and shows the accounts, the roles and the
invitation links, or why nothing was imported), a person's page (invite, deactivate, reactivate, change a role);
and the page where an invited person sets their password. The rules are in `assessments.services.people` and
`assessments.services.people_requests`."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordChangeView, PasswordResetConfirmView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from smartgov.errors import DomainError
from smartgov.limits import PEOPLE_FILE_MAX_BYTES, PEOPLE_FILE_MAX_ROWS

from ..excel.layout import CONTENT_TYPE
from ..excel.template import content_disposition
from ..models import PeopleImportRequest, Region, RoleAssignment
from ..people_file import IMPORTED_ROLES, people_template, people_upload_discard, people_upload_keep, people_upload_take
from ..permissions import coordinated_provinces, is_platform_admin
from ..services.people import (
    PeopleImportRefused,
    may_manage,
    people_import_preview,
    people_listed,
    person_change_role,
    person_deactivate,
    person_invite,
    person_password_set,
    person_reactivate,
)
from ..services.people_requests import (
    people_import_invitations,
    people_import_request,
    people_import_requests_of,
    people_import_status,
)

User = get_user_model()
Role = RoleAssignment.Role
PAGE_SIZE = 50
POLL_MILLISECONDS = 2000
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _coordinator(request):
    """The provinces the user coordinates; a 403 for anyone who coordinates none."""
    provinces = coordinated_provinces(request.user)
    if not provinces.exists():
        raise PermissionDenied
    return provinces


@dataclass(frozen=True)
class Filters:
    province: str
    region: str
    role: str
    query: str

    @classmethod
    def of(cls, request):
        get = request.GET
        return cls(*(get.get(name, "").strip()[:100] for name in ("province", "region", "role", "q")))

    def apply(self, people):
        roles = Q()
        if self.province:
            roles &= Q(roles__region__province__code=self.province)
        if self.region:
            code = self.region.upper()
            roles &= Q(roles__region__code=code) | Q(roles__region__parent__code=code) | Q(
                roles__region__province__code=code)
        if self.role:
            roles &= Q(roles__role=self.role)
        if self.query:
            text = self.query
            people = people.filter(Q(username__icontains=text) | Q(first_name__icontains=text)
                                   | Q(last_name__icontains=text) | Q(email__icontains=text)
                                   | Q(person__mobile__icontains=text))
        return people.filter(roles).distinct() if roles else people

    @property
    def query_string(self):
        pairs = (("province", self.province), ("region", self.region), ("role", self.role), ("q", self.query))
        return urlencode([(name, value) for name, value in pairs if value])


@login_required
@require_GET
def people(request):
    provinces = _coordinator(request)
    filters = Filters.of(request)
    listed = filters.apply(people_listed(request.user)).select_related("person").prefetch_related(
        "roles__region").order_by("first_name", "username")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessments/people/list.html", {
        "page": page, "filters": filters, "provinces": provinces.order_by("code"),
        "roles": [(role, Role(role).label) for role in IMPORTED_ROLES]})


@login_required
@require_GET
def people_template_download(request):
    provinces = _coordinator(request)
    regions = (Region.objects.current().filter(province__in=provinces).exclude(level=Region.Level.GROUP)
               .select_related("province").order_by("code"))
    response = HttpResponse(people_template(regions=regions), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(_("People import") + ".xlsx", "smartgov_people.xlsx")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@never_cache
def people_import(request):
    _coordinator(request)
    if request.method != "POST":
        return _import_page(request)
    if request.POST.get("action") == "apply":
        return _apply(request)
    upload = request.FILES.get("file")
    if upload is None:
        return _import_page(request, error=_("Choose an Excel file (.xlsx) to upload."), status=400)
    if upload.size > PEOPLE_FILE_MAX_BYTES:
        return _import_page(request, error=_("The file is larger than %(limit)d MB.")
                            % {"limit": PEOPLE_FILE_MAX_BYTES // (1024 * 1024)}, status=400)
    data = upload.read(PEOPLE_FILE_MAX_BYTES + 1)
    try:
        preview = people_import_preview(data=data, actor=request.user)
    except PeopleImportRefused as refused:
        return _import_page(request, error=str(refused), status=400)
    token = people_upload_keep(data=data, user_pk=request.user.pk, name=upload.name)
    return _import_page(request, preview=preview, token=token)


def _apply(request):
    """The apply of a dry run: the file passes to a request applied in the background; the answer is its page."""
    token = request.POST.get("token", "")
    kept = people_upload_take(token=token, user_pk=request.user.pk)
    if kept is None:
        return _import_page(request, error=_("This upload is no longer available (it was applied, has expired or is "
                                             "not yours): upload the file again."), status=409)
    data, name = kept
    try:
        made = people_import_request(data=data, name=name, actor=request.user,
                                     fingerprint=request.POST.get("fingerprint", ""),
                                     base_url=request.build_absolute_uri("/"))
    except DomainError as refused:
        return _import_page(request, error=str(refused), status=refused.status)
    people_upload_discard(token=token, user_pk=request.user.pk)
    return redirect("people-import-request", pk=made.pk)


def _import_page(request, *, preview=None, token=None, error=None, status=200):
    return render(request, "assessments/people/import.html", {
        "preview": preview, "token": token, "error": error, "recent": people_import_requests_of(request.user),
        "max_megabytes": PEOPLE_FILE_MAX_BYTES // (1024 * 1024), "max_rows": PEOPLE_FILE_MAX_ROWS,
    }, status=status)


def _import_request(request, pk) -> PeopleImportRequest:
    """A people import, for the coordinator who asked for it and the platform administrators; a 404 for anyone
    else."""
    made = get_object_or_404(PeopleImportRequest.objects.select_related("requested_by"), pk=pk)
    if made.requested_by_id != request.user.pk and not is_platform_admin(request.user):
        raise Http404
    return made


@login_required
@require_GET
@never_cache
def people_import_request_view(request, pk):
    made = _import_request(request, pk)
    mine = made.requested_by_id == request.user.pk  # the links are for who hands them over
    succeeded = made.status == made.Status.SUCCEEDED
    return render(request, "assessments/people/import_request.html", {
        "made": made, "invitations": people_import_invitations(made, links=mine) if succeeded else [],
        "errors": [dict(zip(("row", "column", "value", "reason"), e, strict=False)) for e in made.row_errors],
        "mine": mine, "poll_interval": POLL_MILLISECONDS,
    })


@login_required
@require_GET
def people_import_request_status(request, pk):
    response = JsonResponse(people_import_status(_import_request(request, pk)))
    response["Cache-Control"] = "private, no-store"
    return response


def _listed_person(request, pk):
    """The person, for a coordinator whose list shows them; a 404 for anyone else."""
    _coordinator(request)
    person = get_object_or_404(User.objects.select_related("person"), pk=pk)
    if not people_listed(request.user).filter(pk=pk).exists():
        raise Http404
    return person


@login_required
@never_cache
def person_detail(request, pk, *, invitation=None, error=None, status=200):
    person = _listed_person(request, pk)
    return render(request, "assessments/people/person.html", {
        "person": person, "profile": getattr(person, "person", None),
        "assignments": person.roles.select_related("region__province").order_by("role", "region__code"),
        "manages": may_manage(request.user, person), "myself": person.pk == request.user.pk,
        "roles": [(role, Role(role).label) for role in IMPORTED_ROLES],
        "invitation": invitation, "error": error}, status=status)


ACTIONS = {
    "deactivate": (person_deactivate, gettext_lazy("The account is deactivated: the person can no longer log in.")),
    "reactivate": (person_reactivate, gettext_lazy("The account is active again.")),
}


@login_required
@require_POST
def person_act(request, pk, action):
    person = _listed_person(request, pk)
    try:
        if action == "invite":
            invitation = person_invite(person=person, actor=request.user, base_url=request.build_absolute_uri("/"))
            return person_detail(request, pk, invitation=invitation)
        if action not in ACTIONS:
            raise Http404
        service, done = ACTIONS[action]
        service(person=person, actor=request.user)
    except DomainError as refused:
        return person_detail(request, pk, error=str(refused), status=refused.status)
    messages.success(request, str(done))
    return redirect("person", pk=pk)


@login_required
@require_POST
def person_role(request, pk, assignment_pk):
    person = _listed_person(request, pk)
    assignment = get_object_or_404(RoleAssignment.objects.select_related("user", "region"), pk=assignment_pk,
                                   user=person)
    code = request.POST.get("region", "").strip().upper()
    region = Region.objects.filter(code=code).first()
    if region is None:
        return person_detail(request, pk, error=_("Unknown region code."), status=400)
    try:
        person_change_role(assignment=assignment, role=request.POST.get("role", ""), region=region,
                           actor=request.user)
    except DomainError as refused:
        return person_detail(request, pk, error=str(refused), status=refused.status)
    messages.success(request, _("The role is changed."))
    return redirect("person", pk=pk)


class InvitationAccept(PasswordResetConfirmView):
    """The invitation link: the person chooses a password (audited) and is logged in on their home page. A link
    that was used, has expired, or belongs to a deactivated account says so."""

    template_name = "registration/invitation_accept.html"
    success_url = reverse_lazy("home")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        person_password_set(person=self.user, password=form.cleaned_data["new_password1"], actor=self.user)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        auth_login(self.request, self.user, LOGIN_BACKEND)
        messages.success(self.request, _("Welcome! Your password is set; next time, log in with your user name "
                                         "%(name)s.") % {"name": self.user.get_username()})
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "invitee": self.user, "login_url": reverse("login")}


invitation_accept = InvitationAccept.as_view()


class PasswordChange(PasswordChangeView):
    """Django's page for changing one's own password, with the change written through the service (audited, the
    password recorded only as "set"), as every other password change is."""

    def form_valid(self, form):
        person = person_password_set(person=form.user, password=form.cleaned_data["new_password1"], actor=form.user)
        update_session_auth_hash(self.request, person)
        return HttpResponseRedirect(self.get_success_url())


password_change = PasswordChange.as_view()
