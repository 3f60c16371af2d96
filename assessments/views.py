from django.shortcuts import render

from indicators.selectors import default_framework, framework_with_contents

from .selectors import cycles_overview


def home(request):
    framework = default_framework()
    return render(request, "home.html", {
        "framework": framework and framework_with_contents(framework.pk),
        "cycles": cycles_overview(),
    })
