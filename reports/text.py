"""Running text as each language writes it: Chinese puts no space between sentences, nor around a name or a number
in running text ("杭州市的", "排名第3位"), where English puts one."""

import re

from django.utils.translation import get_language

WIDE = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
"""Chinese characters and the full-width punctuation and forms."""
_SPACE_BY_WIDE = re.compile(rf"\s+(?=[{WIDE}])|(?<=[{WIDE}])\s+")


def chinese() -> bool:
    """Whether the active language is Chinese."""
    return (get_language() or "").startswith("zh")


def joined(text: str) -> str:
    """`text` with its runs of white space made one space, and in Chinese none next to a Chinese character or
    punctuation mark."""
    text = " ".join(text.split())
    return _SPACE_BY_WIDE.sub("", text) if chinese() else text


def sentences(*parts: str) -> str:
    """Sentences (translated) made one paragraph, joined as the active language joins them."""
    return joined(" ".join(part for part in parts if part))
