"""Generated demo pictures (Pillow): each product's name written on a coloured card.

Chinese needs a CJK font: the project's setup installs Debian's fonts-wqy-microhei. Where no CJK
font is found the name is written in pinyin instead, so the picture stays readable.
"""

import io
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont
from pypinyin import lazy_pinyin

LATIN_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
]


def cjk_font_path() -> str | None:
    return settings.CJK_FONT_PATH


def _font(size: int, cjk: bool):
    paths = [cjk_font_path()] if cjk else LATIN_FONT_CANDIDATES
    for path in paths:
        if path and Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _text(text: str) -> tuple[str, bool]:
    """The text to draw and whether it needs the CJK font."""
    if cjk_font_path():
        return text, True
    return " ".join(lazy_pinyin(text)).title(), False


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def _wrap(draw, text, font, width):
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=font) > width and line:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line] if line else lines


def product_picture(title: str, subtitle: str, caption: str, colour: str, size: int = 600):
    """A square JPEG: the product name large, its specification and origin below."""
    base = _hex(colour)
    image = Image.new("RGB", (size, size), base)
    draw = ImageDraw.Draw(image)
    # a lighter band at the bottom, like a field under the sky
    light = tuple(min(255, c + 70) for c in base)
    draw.rectangle([0, int(size * 0.68), size, size], fill=light)
    draw.ellipse([size * 0.68, size * 0.08, size * 0.9, size * 0.3], fill=(245, 200, 66))

    title_text, cjk = _text(title)
    title_font = _font(int(size * 0.1), cjk)
    lines = _wrap(draw, title_text, title_font, size * 0.84)[:3]
    y = size * 0.3
    for line in lines:
        draw.text((size * 0.08, y), line, font=title_font, fill="white")
        y += size * 0.12
    small_text, small_cjk = _text(subtitle)
    draw.text(
        (size * 0.08, size * 0.74),
        small_text,
        font=_font(int(size * 0.065), small_cjk),
        fill=(40, 40, 40),
    )
    cap_text, cap_cjk = _text(caption)
    draw.text(
        (size * 0.08, size * 0.85),
        cap_text,
        font=_font(int(size * 0.05), cap_cjk),
        fill=(60, 60, 60),
    )
    return _jpeg(image)


def logo_picture(text: str, colour: str, size: int = 256):
    """A round-looking square logo with the first two characters of ``text``."""
    image = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse([4, 4, size - 4, size - 4], fill=_hex(colour))
    label, cjk = _text(text[:2])
    font = _font(int(size * (0.34 if cjk else 0.16)), cjk)
    width = draw.textlength(label, font=font)
    draw.text(((size - width) / 2, size * 0.3), label, font=font, fill="white")
    return _jpeg(image)


def _jpeg(image) -> ContentFile:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue())
