"""The pages speak Chinese first, English on request, and say when data are demo data."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_is_in_chinese_by_default(client, demo):
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "智慧政府成熟度评估" in page
    assert "资源共享度" in page


def test_home_switches_to_english(client, demo):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Resource sharing" in page
    assert "Smart Government Maturity Assessment" in page


def test_home_labels_demo_cycles(client, demo):
    page = client.get("/").content.decode()
    assert page.count("演示数据") == 3


def test_admin_login_page_is_served(client):
    assert client.get("/admin/login/").status_code == 200


def test_every_admin_list_opens_in_chinese(admin_client, demo):
    from django.contrib import admin

    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        assert "站点管理" in response.content.decode() or "首页" in response.content.decode(), url
        assert admin_client.get(url + "?q=杭州").status_code == 200, url


def test_admin_imports_a_framework_file_and_reports_field_errors(admin_client):
    from io import BytesIO

    bad = BytesIO(b"format: smartgov-framework/1\ncode: x\nversion: 0\n")
    bad.name = "bad.yaml"
    response = admin_client.post("/admin/indicators/framework/import/", {"file": bad})
    page = response.content.decode()
    assert response.status_code == 200
    assert "version: must be a positive whole number" in page


def test_admin_refuses_to_change_a_published_framework(admin_client, framework):
    response = admin_client.get(f"/admin/indicators/framework/{framework.pk}/change/")
    assert response.status_code == 200
    assert 'name="name_zh"' not in response.content.decode()
