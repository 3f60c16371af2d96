"""Admin forms whose refusals come from the services."""

from django import forms

from smartgov.errors import DomainError


class ServiceForm(forms.ModelForm):
    """A model form whose refusals come from a service: `check` runs the service's rules on the cleaned data,
    and a refusal is shown on the form (on its field, when it names one) instead of failing the save."""

    def check(self, data):
        """Raise DomainError when the service would refuse `data`."""

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.check(data)
            except DomainError as error:
                for name, reasons in error.fields.items():
                    if name in self.fields:
                        self.add_error(name, [str(r) for r in reasons])
                if not any(name in self.fields for name in error.fields):
                    raise forms.ValidationError(str(error)) from error
        return data
