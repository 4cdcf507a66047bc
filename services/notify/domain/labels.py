"""Vietnamese names of the codes notify alone prints (verdicts, regimes, event names...); the award
names, which awards prints too, are `servicekit.labels.AWARD_NAMES`."""

from __future__ import annotations

VERDICTS = {
    "eligible": "Đủ điều kiện",
    "ineligible": "Không đủ điều kiện",
    "incomplete": "Hồ sơ chưa đầy đủ",
    "blocked": "Chưa xem xét khen thưởng",
}

REGIMES = {
    "2013": "Luật Thi đua, khen thưởng năm 2003 (sửa đổi, bổ sung năm 2005, 2013)",
    "2022": "Luật Thi đua, khen thưởng số 06/2022/QH15",
}

CAMPAIGN_KINDS = {
    "regular": "thi đua thường xuyên",
    "special": "thi đua đặc biệt",
    "thematic": "thi đua theo chuyên đề",
}

AUTHORITIES = {
    "prime_minister": "Thủ tướng Chính phủ",
    "president": "Chủ tịch nước",
}

EVENTS = {
    "ReportDueSoon": "Sắp đến hạn báo cáo",
    "ReportOverdue": "Quá hạn báo cáo",
    "TargetAchieved": "Hoàn thành chỉ tiêu",
    "TargetAchievementRetracted": "Thu hồi kết quả hoàn thành chỉ tiêu",
    "NominationScreened": "Kết quả thẩm định hồ sơ khen thưởng",
    "NominationApproved": "Đề nghị khen thưởng được thông qua",
    "NominationRejected": "Đề nghị khen thưởng không được chấp thuận",
    "NominationWithdrawn": "Đề nghị khen thưởng đã được rút",
    "NominationProposed": "Trình cấp Trung ương đề nghị khen thưởng",
    "NominationCentrallyDecided": "Kết quả đề nghị khen thưởng cấp Trung ương",
    "AwardDecisionIssued": "Quyết định khen thưởng",
    "AwardRevoked": "Hủy bỏ quyết định khen thưởng",
    "CampaignLaunched": "Phát động phong trào thi đua",
    "SupervisionFindingRaised": "Kiến nghị giám sát của Mặt trận Tổ quốc",
    "SupervisionFindingAnswered": "Trả lời kiến nghị giám sát",
}

FINDING_SUBJECTS = {
    "campaign": "phong trào thi đua",
    "unit": "đơn vị",
    "nomination": "hồ sơ đề nghị khen thưởng",
    "decision": "quyết định khen thưởng",
}


def label(table: dict[str, str], code: str) -> str:
    """The Vietnamese name, or the code itself for a value added after this table."""
    return table.get(code, code)
