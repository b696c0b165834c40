"""The group of a value: the population a figure is restricted to ("nữ", "người dân tộc Khmer"),
read from the words around it. Rules, from the phrases of patterns/markers.jsonl."""
from __future__ import annotations

from typing import Optional

import regex

from .rules import Rules

_I = regex.IGNORECASE
_EDGES = " ,;:.-\n\t"


class GroupRules:
    def __init__(self, rules: Rules):
        m = {k: p.pattern for k, p in rules.marker_patterns.items()}
        self.filler = rules.marker_patterns["group_filler"]
        self.after_pattern = regex.compile(
            f"^(?:{m['group_lead']})(?P<g>[^,;().:]*?)(?=[ ]*(?<![\\p{{L}}])(?:{m['group_end']})\\b|[,;().:]|$)", _I)
        self.list_item_pattern = regex.compile(
            f"^[ ]*(?:{m['list_item_lead']})[ ]+(?P<g>[^;().:]*?)[ ,]*(?=[;().:]|$|\\b(?:{m['list_item_end']})\\b)", _I)
        self.members_lead = regex.compile(f"^[ ]*(?:{m['members_group_lead']})", _I)
        self.raised_total = regex.compile(m["raised_total"], _I)
        self.not_group_start = regex.compile(m["not_group_start"], _I)
        self.class_members = regex.compile(m["class_members"], _I)
        self.delimiter = regex.compile(f"[,;:()]|\\s-\\s|\\b(?:{m['breakdown']})\\b", _I)

    def clean(self, text: str) -> Optional[str]:
        previous = None
        text = text.strip(_EDGES)
        while previous != text:
            previous, text = text, self.filler.sub("", text).strip(_EDGES)
        return text or None

    def after_value(self, right: str) -> Optional[str]:
        """"871 đảng viên người Khmer, ..." → "người Khmer"."""
        match = self.after_pattern.match(right)
        return self.clean(match["g"]) if match else None

    def before_value(self, left: str) -> Optional[str]:
        """"trong đó nữ 38 người" → "nữ"; "Đoàn viên thanh niên: 59.776" → "Đoàn viên thanh niên"
        (a label closed by ":" names what follows it)."""
        parts = self.delimiter.split(left)
        if len(parts) > 1 and not self.clean(parts[-1]) and left.rstrip().endswith(":"):
            return self.clean(parts[-2])
        return self.clean(parts[-1]) if parts else None

    def list_item(self, right: str) -> Optional[str]:
        """"52,6% là đoàn viên; 8,5% là cán bộ" → "đoàn viên"."""
        match = self.list_item_pattern.match(right)
        return self.clean(match["g"]) if match else None

    def of_members(self, left: str, right: str) -> Optional[str]:
        """"nâng tổng số đảng viên là người Khmer lên 1.609", "56.880 đảng viên nữ"."""
        raised = self.raised_total.search(left)
        if raised and not self.not_group_start.match(raised["g"]):
            return self.clean(raised["g"])
        lead = self.members_lead.match(right)
        return self.after_value(right[lead.end():]) if lead else None

    def of_class(self, before: str) -> Optional[str]:
        """"166 tổ chức đảng trong các doanh nghiệp tư nhân với 3.390 đảng viên" → "doanh nghiệp tư
        nhân": the members of party organisations counted by their class have it as their group."""
        match = self.class_members.search(before)
        return self.after_value(before[match.end():]) if match else None
