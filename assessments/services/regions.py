from typing import Any

from django.db import transaction

from ..models import Region


@transaction.atomic
def regions_load(*, data: dict[str, Any]) -> int:
    """Create or update a country, its provinces and their cities from a regions file; returns the count."""
    country = data["country"]
    root, _created = Region.objects.update_or_create(
        code=country["code"],
        defaults={"name_zh": country["zh"], "name_en": country["en"], "level": Region.Level.COUNTRY},
    )
    count = 1
    for province in data["provinces"]:
        parent, _created = Region.objects.update_or_create(
            code=province["code"],
            defaults={"name_zh": province["zh"], "name_en": province["en"], "level": Region.Level.PROVINCE,
                      "parent": root},
        )
        if parent.province_id != parent.pk:
            parent.province = parent
            parent.save(update_fields=["province"])
        count += 1
        for code, name_zh, name_en in province["cities"]:
            Region.objects.update_or_create(
                code=code,
                defaults={"name_zh": name_zh, "name_en": name_en, "level": Region.Level.PREFECTURE, "parent": parent,
                          "province": parent},
            )
            count += 1
    return count
