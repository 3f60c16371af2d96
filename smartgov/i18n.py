from django.utils.translation import get_language


def localised(zh: str, en: str) -> str:
    """The Chinese text, or the English one when the active language is English."""
    return en if (get_language() or "").startswith("en") else zh
