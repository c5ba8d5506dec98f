"""Care mode: risk-aware replies in every flow, helplines for the member's own country, opt-in follow-up."""

from bot.care.items import CareButton, send_checkin
from bot.care.service import CHECKIN_KIND, CareReply, CareService, care_custom_id, words
from bot.care.store import CareStore, MemberContext, SupportSettings

__all__ = [
    "CHECKIN_KIND",
    "CareButton",
    "CareReply",
    "CareService",
    "CareStore",
    "MemberContext",
    "SupportSettings",
    "care_custom_id",
    "send_checkin",
    "words",
]
