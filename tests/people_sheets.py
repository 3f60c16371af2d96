"""Builders for the people-onboarding tests: sheets of people as .xlsx bytes, coordinators, a county."""

from assessments.models import Region, RoleAssignment
from tests.factories import RegionFactory, in_province, table_xlsx, user_with_role

HEADER = ["姓名 Name", "电子邮箱 E-mail", "手机 Mobile", "地区代码 Region code", "角色 Role"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def people_sheet(rows, header=HEADER) -> bytes:
    """A workbook whose first sheet holds `header` and `rows` (cells as given: text, numbers or None)."""
    return table_xlsx(rows, header=header)


def coordinator(username, province, **fields):
    """A provincial coordinator of `province` (the national one is the cast's `admin`)."""
    return user_with_role(username, RoleAssignment.Role.PROVINCE_COORDINATOR, province,
                          email=f"{username}@example.gov.cn", **fields)


def county(city, code="330106", name_zh="西湖区", name_en="Xihu"):
    """A county-level division of `city`, in its province."""
    return in_province(RegionFactory(code=code, name_zh=name_zh, name_en=name_en, level=Region.Level.COUNTY,
                                     parent=city))
