"""The seal image: checked when a template is saved, decoded once per process when drawn."""
import hashlib
import io
import threading
from collections import OrderedDict

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from reportlab.lib.utils import ImageReader

MAX_SEAL_BYTES = 2 * 1024 * 1024
MAX_SEAL_SIDE = 2000  # pixels
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The seal is drawn about 4 cm wide; 480 pixels is about 300 dpi there. A larger seal is scaled
# down once when decoded: ReportLab compresses the pixels into every PDF, and a 2000-pixel seal
# would cost 17 times as much as this, in time and in bytes, for no visible gain.
DRAWN_PIXELS = 480

_lock = threading.Lock()
_readers: "OrderedDict[str, ImageReader]" = OrderedDict()  # sha256 -> decoded image, a few at most
_CACHED_SEALS = 8


def check_seal_png(data: bytes) -> None:
    """Raise ValueError with a message for the user when `data` is not a usable PNG seal."""
    if not data:
        raise ValueError(_("The seal image is empty."))
    if len(data) > MAX_SEAL_BYTES:
        raise ValueError(
            _("The seal image is too large (%(size)d KB); at most %(limit)d KB is accepted.")
            % {"size": len(data) // 1024, "limit": MAX_SEAL_BYTES // 1024}
        )
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(_("The seal image must be a PNG file."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width > MAX_SEAL_SIDE or height > MAX_SEAL_SIDE:
                raise ValueError(
                    _("The seal image is %(width)d×%(height)d pixels; at most %(limit)d pixels a side is accepted.")
                    % {"width": width, "height": height, "limit": MAX_SEAL_SIDE}
                )
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError(_("The seal image cannot be read as a PNG file (%(error)s).") % {"error": error}) from error


def seal_reader(data: bytes) -> ImageReader:
    """The seal as a ReportLab image, checked and decoded once per process for the same bytes."""
    key = hashlib.sha256(data).hexdigest()
    with _lock:
        reader = _readers.get(key)
        if reader is not None:
            _readers.move_to_end(key)
            return reader
    check_seal_png(data)
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGBA")  # palette and grey PNGs too; the alpha channel becomes the mask
    if max(image.size) > DRAWN_PIXELS:
        image.thumbnail((DRAWN_PIXELS, DRAWN_PIXELS), Image.Resampling.LANCZOS)
    reader = ImageReader(image)
    reader.getRGBData()  # decode now, once
    with _lock:
        _readers[key] = reader
        while len(_readers) > _CACHED_SEALS:
            _readers.popitem(last=False)
    return reader
