"""What the renderers draw: plain, frozen data (no ORM objects), so rendering can run anywhere."""
import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class CertificateDocument:
    title: str  # e.g. 结业证书
    body: str  # the template's body, placeholders filled; blank lines separate paragraphs
    issuer_line: str  # e.g. 中共某某盟委组织部
    issued_on: datetime.date
    serial: str  # e.g. NM01-2026-000001
    verify_url: str  # encoded in the QR code and printed small under it
    landscape: bool = False
    seal_png: bytes | None = None  # PNG with transparency, drawn over the issuer line and date
    pdf_title: str = ""
    pdf_author: str = ""


@dataclass(frozen=True)
class TranscriptRow:
    title: str
    host: str
    starts_on: datetime.date
    ends_on: datetime.date
    attended_centi_hours: int  # hundredths of a class hour (课时): integers, never floats
    topic_centi_hours: int


@dataclass(frozen=True)
class TranscriptDocument:
    name: str
    year: int
    issuer: str
    issued_on: datetime.date
    serial: str
    verify_url: str
    rows: tuple[TranscriptRow, ...]
    pdf_title: str = ""
    pdf_author: str = ""
    # The totals are not given: the renderer adds up the rows (integers).
