"""An issued certificate read back with independent tools: the font embedded, the trainee's name,
the class and the serial in its text, and its QR code leading to a verification page that says
valid, then revoked."""
import re
from urllib.parse import urlsplit

import pytest

from certificates import services
from certificates.models import Certificate

from .conftest import issue
from .test_rendering import pytestmark as needs_tools  # noqa: F401  (the same skip when the tools are missing)
from .test_rendering import assert_only_our_font_embedded, read_pdf  # noqa: F401  (fixture)

pytestmark = [needs_tools, pytest.mark.django_db]


def test_an_issued_certificate_reads_back_and_its_qr_code_verifies_valid_then_revoked(client, closed, people, read_pdf, settings):
    settings.CERTIFICATES_PUBLIC_BASE_URL = "https://training.example.gov.cn"
    issue(closed, people["organizer_a"])
    certificate = Certificate.objects.get(training_class=closed, user__display_name="欧阳明")
    pdf = read_pdf(certificate.pdf.open("rb").read())
    assert_only_our_font_embedded(pdf)
    text = re.sub(r"\s+", "", pdf.text())
    assert "欧阳明" in text and closed.title in text and certificate.serial in text
    url = pdf.qr()
    assert url == f"https://training.example.gov.cn/verify/{certificate.code}/"

    page = client.get(urlsplit(url).path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    shown = page.content.decode()
    assert "有效" in shown and "欧*明" in shown and "欧阳明" not in shown and certificate.serial in shown

    services.certificate_revoke(actor=people["organizer_a"], certificate=certificate, reason="学时登记有误")
    shown = client.get(urlsplit(url).path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已撤销" in shown and "有效" not in re.sub(r"不再有效|已失效", "", shown)
