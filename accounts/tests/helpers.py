import io

from openpyxl import Workbook, load_workbook

HEADER = ["姓名", "工号", "手机", "单位编码", "角色"]


def xlsx(rows, header=HEADER) -> bytes:
    """An .xlsx roster built in memory, header first."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_xlsx(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
