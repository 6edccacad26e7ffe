"""Locale resolution and the localized business-rule messages of the fake server."""

from __future__ import annotations

from ._records import DEFAULT_LOCALE

#: Locales with translations; anything else falls back to English.
SUPPORTED_LOCALES = frozenset({"en", "ar", "fr"})

#: Business-rule (HTTP 400) reasons, keyed by reason code then locale.
MESSAGES: dict[str, dict[str, str]] = {
    "branch_closed": {
        "en": "This branch is currently closed.",
        "ar": "هذا الفرع مغلق حاليًا.",
        "fr": "Cette agence est actuellement fermée.",
    },
    "service_closed": {
        "en": "This service is currently closed.",
        "ar": "هذه الخدمة مغلقة حاليًا.",
        "fr": "Ce service est actuellement fermé.",
    },
    "slot_unavailable": {
        "en": "This slot is no longer available.",
        "ar": "هذا الموعد لم يعد متاحًا.",
        "fr": "Ce créneau n'est plus disponible.",
    },
}


def resolve_locale(header: str | None) -> str:
    """Map an ``X-Locale`` value (``ar``, ``AR``, ``ar-BH``, ``fr_FR``) to a supported locale."""
    if not header:
        return DEFAULT_LOCALE
    primary = header.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED_LOCALES else DEFAULT_LOCALE


def translate(code: str, locale: str) -> str:
    """The business-rule message ``code`` in ``locale``, falling back to English."""
    texts = MESSAGES[code]
    return texts.get(locale) or texts[DEFAULT_LOCALE]
