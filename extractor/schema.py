"""The output and gold contract of RECORDS.md as pydantic v2 models: one source of truth.

Predictions and gold share the models; they differ only in `evidence`, which is an
object with character offsets in predictions and the copied sentence in gold.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MEASURES = ("admitted", "target", "attainment_pct", "rate_pct", "share_pct", "members")
PERCENT_MEASURES = frozenset({"attainment_pct", "rate_pct", "share_pct"})
Approx = Literal["over", "under", "about", "at_least"]
# Where `published` came from: given with the article, the HTML page's metadata or markup (htmldate),
# or the text (a dateline, a news agency's signature, a dated source line or URL).
DateSource = Literal["input", "page", "text"]
_ISO_PARTIAL = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def check_iso_partial(value: Optional[str]) -> Optional[str]:
    """A date of the precision the text gives: "2016", "2023-09" or "2020-12-15"."""
    if value is None:
        return None
    if not _ISO_PARTIAL.match(value):
        raise ValueError(f"not an ISO date of year, month or day precision: {value!r}")
    parts = [int(p) for p in value.split("-")]
    dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    return value


class Loose(BaseModel):
    """Fields not in the contract are ignored, as RECORDS.md section 4 requires."""
    model_config = ConfigDict(extra="ignore")


class Unit(Loose):
    name: str = Field(min_length=1)
    aliases: list[str] = []
    kind: Optional[str] = None
    level: Optional[str] = None


class Period(Loose):
    start: Optional[str] = None
    end: Optional[str] = None
    text: Optional[str] = None

    _iso = field_validator("start", "end")(check_iso_partial)


class Evidence(Loose):
    """Character offsets into the article: the sentence and the surface of every value."""
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    spans: dict[str, tuple[int, int]] = {}


class Record(Loose):
    type: Literal["admission", "membership"]
    unit: Unit
    period: Optional[Period] = None
    as_of: Optional[str] = None
    group: Optional[str] = None
    admitted: Optional[int] = Field(default=None, ge=0)
    target: Optional[int] = Field(default=None, ge=0)
    attainment_pct: Optional[float] = Field(default=None, ge=0)
    rate_pct: Optional[float] = Field(default=None, ge=0)
    share_pct: Optional[float] = Field(default=None, ge=0)
    members: Optional[int] = Field(default=None, ge=0)
    approx: dict[str, Approx] = {}
    evidence: Union[Evidence, str]

    @field_validator(*MEASURES, mode="before")
    @classmethod
    def _a_number(cls, value: object) -> object:
        # "12" and true would pass pydantic's lax mode as 12 and 1: a measure is written as a number
        if isinstance(value, (str, bool)):
            raise ValueError(f"a number, not {value!r}")
        return value

    @field_validator("as_of")
    @classmethod
    def _as_of_iso(cls, value: Optional[str]) -> Optional[str]:
        # as_of may carry a time in principle; only its date part is checked.
        return None if value is None else (check_iso_partial(value[:10]) and value)

    @field_validator("approx", mode="before")
    @classmethod
    def _approx_none(cls, value: object) -> object:
        return {} if value is None else value

    def measures(self) -> dict[str, float]:
        return {m: getattr(self, m) for m in MEASURES if getattr(self, m) is not None}


class Mention(Loose):
    """A span with its normalised value: a number for COUNT and PERCENT,
    {"start", "end"} for DATE, {"name", "kind", "level"} for UNIT."""
    label: Literal["UNIT", "DATE", "COUNT", "PERCENT"]
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    value: Union[float, dict[str, Optional[str]], None] = None
    approx: Optional[Approx] = None
    noun: Optional[str] = None


class Meta(Loose):
    title: Optional[str] = None
    published: Optional[str] = None
    author: Optional[str] = None
    source: Optional[str] = None
    url: Optional[str] = None
    date_source: Optional[DateSource] = None
    # How the text was read or repaired when it was not plain UTF-8 ("cp1258", "tcvn3", "utf-8, mojibake
    # repaired"): a guess worth checking. The document then carries the `text` its offsets point into.
    encoding: Optional[str] = None

    @field_validator("published")
    @classmethod
    def _published_iso(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            dt.datetime.fromisoformat(value)
        return value

    @model_validator(mode="after")
    def _date_source_of_a_date(self) -> "Meta":
        if self.date_source is not None and self.published is None:
            raise ValueError(f"date_source {self.date_source!r} without a published date")
        return self


class Document(Loose):
    doc_id: str = Field(min_length=1)
    meta: Meta = Meta()
    records: list[Record] = []
    mentions: list[Mention] = []
    notes: Optional[str] = None
    text: Optional[str] = None   # the text offsets point into, written when it is no file of the user's (HTML)
