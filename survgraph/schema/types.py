"""Reusable validated types for messy research data: partial dates, country codes, QIDs, money."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from survgraph.schema.iso import ISO_3166_ALPHA2, ISO_4217

#: Bounds on text and lists in records (YAML, CSV, RDF import and POST /records all validate through the
#: models): a name or title, a free-text description or note, a URL, and any list field.
MAX_NAME_CHARS = 500
MAX_TEXT_CHARS = 20_000
MAX_URL_CHARS = 2_048
MAX_LIST_ITEMS = 500
#: The largest amount of money or counted quantity a record may state (well above any real contract).
MAX_FIGURE = 1e15

_PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def check_partial_date(value: str) -> str:
    m = _PARTIAL_DATE.fullmatch(value)
    if not m:
        raise ValueError(f"{value!r} is not a partial date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = m.group(1), m.group(2), m.group(3)
    if int(year) < 1:
        raise ValueError(f"{value!r}: year 0000 is refused (the earliest year is 0001)")
    if month is not None and not 1 <= int(month) <= 12:
        raise ValueError(f"{value!r}: month {month} is out of range")
    if day is not None and month is not None:
        limit = _DAYS_IN_MONTH[int(month) - 1]
        leap = int(year) % 4 == 0 and (int(year) % 100 != 0 or int(year) % 400 == 0)
        if int(month) == 2 and not leap:
            limit = 28
        if not 1 <= int(day) <= limit:
            raise ValueError(f"{value!r}: day {day} is out of range")
    return value


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_as_of(value: str) -> str:
    """A day to read the graph at (`as_of`): a full date, YYYY-MM-DD, that exists in the calendar."""
    if not _FULL_DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    return check_partial_date(value)


def check_country_code(value: str) -> str:
    if value not in ISO_3166_ALPHA2:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value


def _check_currency(value: str) -> str:
    if value not in ISO_4217:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return value


PartialDate = Annotated[str, AfterValidator(check_partial_date)]
"""A date known to the year, month or day: "2016", "2016-05", "2016-05-20"."""

CountryCode = Annotated[str, AfterValidator(check_country_code)]
"""An ISO 3166-1 alpha-2 code, upper case: "PK", "ZW"."""

CurrencyCode = Annotated[str, AfterValidator(_check_currency)]

WikidataQID = Annotated[str, Field(max_length=20, pattern=r"^Q[1-9][0-9]*$")]

Slug = Annotated[str, Field(max_length=100, pattern=r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")]

HttpUrl = Annotated[str, Field(max_length=MAX_URL_CHARS, pattern=r"^https?://[^\s/$.?#][^\s]*$")]

#: Control characters refused in any text: C0 controls but tab, line feed and carriage return, and DEL
#: (NUL breaks stores and tools; ESC sequences rewrite a curator's terminal).
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> str:
    m = CONTROL_IN_TEXT.search(value)
    if m:
        raise ValueError(f"control character U+{ord(m.group()):04X} at position {m.start()} is not allowed")
    return value


Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS), AfterValidator(_text)]
"""A non-empty name, title or other short text (line breaks and tabs allowed, other control characters not)."""

Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS), AfterValidator(_text)]
"""Free text: a description, a note (line breaks and tabs allowed, other control characters not)."""

Figure = Annotated[float, Field(ge=0, le=MAX_FIGURE, allow_inf_nan=False)]
"""A stated figure: finite, not negative, at most MAX_FIGURE (infinity and NaN are refused, however written:
`.inf`, `1.0e+400`, or "INF" in RDF)."""


class Confidence(StrEnum):
    """How far the cited sources support a claim. Never upgraded beyond what a source says."""

    confirmed = "confirmed"
    reported = "reported"
    alleged = "alleged"


class Technology(StrEnum):
    """Controlled vocabulary of surveillance and infrastructure technologies."""

    cctv = "cctv"
    facial_recognition = "facial_recognition"
    licence_plate_recognition = "licence_plate_recognition"
    tracking = "tracking"
    internet_filtering = "internet_filtering"
    deep_packet_inspection = "deep_packet_inspection"
    lawful_interception = "lawful_interception"
    biometric_id = "biometric_id"
    data_centre = "data_centre"
    fibre_network = "fibre_network"
    telecom_network = "telecom_network"
    mobile_payments = "mobile_payments"
    smart_policing = "smart_policing"
    smart_city = "smart_city"
    command_centre = "command_centre"
    mobile_phones = "mobile_phones"
    ai_surveillance = "ai_surveillance"


class Money(BaseModel):
    """An amount in a stated ISO 4217 currency, as the source gives it (no conversion)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: Figure = Field(description="The amount, in the currency.")
    currency: CurrencyCode = Field(description="ISO 4217 code of the currency.")


class Quantity(BaseModel):
    """A counted figure a source gives, e.g. 8,000 cameras."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Figure = Field(description="The figure.")
    unit: Slug = Field(description="What the figure counts (e.g. cameras).")
