"""Flat product illustrations drawn with Pillow, so the demo needs no image files.

Each picture is drawn at four times its size and scaled down, which smooths the edges.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 800
SCALE = 4
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Georgia.ttf",
    "C:/Windows/Fonts/georgia.ttf",
]


def _font(size: int) -> ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def _shade(colour: str, factor: float) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    rgb = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    if factor < 1:
        return tuple(int(c * factor) for c in rgb)
    return tuple(int(c + (255 - c) * (factor - 1)) for c in rgb)


class Canvas:
    """Coordinates in a 100 x 100 box, drawn on the big canvas."""

    def __init__(self, draw: ImageDraw.ImageDraw, size: int):
        self.d = draw
        self.k = size / 100

    def _box(self, box):
        return [v * self.k for v in box]

    def rect(self, box, fill, radius=0):
        self.d.rounded_rectangle(self._box(box), radius=radius * self.k, fill=fill)

    def ellipse(self, box, fill=None, outline=None, width=0):
        self.d.ellipse(self._box(box), fill=fill, outline=outline, width=int(width * self.k))

    def poly(self, points, fill):
        self.d.polygon([(x * self.k, y * self.k) for x, y in points], fill=fill)

    def line(self, points, fill, width):
        self.d.line([(x * self.k, y * self.k) for x, y in points], fill=fill, width=int(width * self.k), joint="curve")

    def arc(self, box, start, end, fill, width):
        self.d.arc(self._box(box), start, end, fill=fill, width=int(width * self.k))


# Each drawing function gets the canvas and the product's main colour.


def draw_mug(c: Canvas, col: str) -> None:
    c.ellipse((28, 70, 66, 76), fill=_shade(col, 0.75))
    c.arc((54, 38, 76, 62), -90, 90, fill=_shade(col, 0.85), width=4.5)
    c.rect((28, 34, 62, 73), fill=col, radius=6)
    c.rect((28, 34, 62, 40), fill=_shade(col, 1.25), radius=3)
    for x in (38, 45, 52):
        c.arc((x - 3, 16, x + 3, 30), 100, 260, fill=(255, 255, 255), width=1.6)


def draw_apron(c: Canvas, col: str) -> None:
    c.arc((36, 12, 64, 40), 180, 360, fill=_shade(col, 0.7), width=2.5)
    c.line([(30, 48), (18, 56)], fill=_shade(col, 0.7), width=2.5)
    c.line([(70, 48), (82, 56)], fill=_shade(col, 0.7), width=2.5)
    c.poly([(36, 26), (64, 26), (66, 44), (72, 48), (74, 84), (26, 84), (28, 48), (34, 44)], fill=col)
    c.rect((40, 56, 60, 70), fill=_shade(col, 1.25), radius=2)
    c.line([(50, 56), (50, 70)], fill=_shade(col, 0.85), width=0.8)


def draw_skillet(c: Canvas, col: str) -> None:
    c.rect((62, 45, 92, 53), fill=_shade(col, 0.9), radius=4)
    c.ellipse((86, 46.5, 89, 51.5), fill=(255, 255, 255))
    c.ellipse((10, 22, 68, 78), fill=col)
    c.ellipse((15, 27, 63, 73), fill=_shade(col, 1.35))
    c.ellipse((24, 36, 40, 48), fill=(250, 226, 150))
    c.ellipse((29, 39, 35, 45), fill=(240, 170, 60))


def draw_towels(c: Canvas, col: str) -> None:
    for offset, shade in ((6, 0.8), (0, 1.0)):
        box = (24 + offset, 18 - offset, 70 + offset, 84 - offset)
        c.rect(box, fill=(250, 247, 240), radius=2)
        for y in (26, 31, 70, 75):
            c.rect((box[0], y - offset, box[2], y + 2 - offset), fill=_shade(col, shade))
    c.rect((42, 12, 52, 18), fill=_shade(col, 0.7), radius=2)


def draw_candle(c: Canvas, col: str) -> None:
    c.ellipse((24, 78, 76, 88), fill=_shade(col, 0.7))
    c.rect((36, 38, 64, 84), fill=col, radius=4)
    c.ellipse((36, 34, 64, 42), fill=_shade(col, 1.2))
    c.line([(50, 37), (50, 30)], fill=(60, 50, 40), width=1.2)
    c.poly([(50, 12), (56, 24), (50, 31), (44, 24)], fill=(245, 170, 60))
    c.poly([(50, 18), (53, 25), (50, 29), (47, 25)], fill=(255, 225, 130))


def draw_honey(c: Canvas, col: str) -> None:
    c.rect((30, 22, 70, 32), fill=(150, 110, 70), radius=3)
    c.rect((26, 30, 74, 84), fill=col, radius=10)
    c.rect((32, 48, 68, 68), fill=(252, 246, 230), radius=3)
    c.poly([(50, 52), (55, 55), (55, 61), (50, 64), (45, 61), (45, 55)], fill=_shade(col, 0.85))
    c.ellipse((30, 36, 36, 44), fill=_shade(col, 1.35))


def draw_board(c: Canvas, col: str) -> None:
    c.rect((22, 24, 70, 86), fill=col, radius=8)
    c.rect((38, 10, 54, 30), fill=col, radius=6)
    c.ellipse((43, 14, 49, 20), fill=(255, 255, 255, 0))
    for y in (40, 52, 64, 76):
        c.arc((26, y - 6, 66, y + 6), 200, 340, fill=_shade(col, 0.85), width=0.8)
    c.ellipse((64, 54, 86, 76), fill=(232, 196, 120))
    c.ellipse((67, 57, 83, 73), fill=(245, 222, 170))


def draw_blanket(c: Canvas, col: str) -> None:
    layers = ((16, 60, 84, 82), (20, 42, 80, 62), (24, 24, 76, 44))
    for index, box in enumerate(layers):
        c.rect(box, fill=_shade(col, 0.85 + 0.12 * index), radius=5)
        for x in range(int(box[0]) + 8, int(box[2]) - 2, 10):
            c.rect((x, box[1], x + 2, box[3]), fill=_shade(col, 0.7 + 0.12 * index))
    for x in range(26, 76, 5):
        c.line([(x, 82), (x, 87)], fill=_shade(col, 0.7), width=1)


def draw_coffee_pot(c: Canvas, col: str) -> None:
    c.line([(30, 44), (16, 30), (12, 30)], fill=col, width=5)
    c.arc((60, 34, 84, 70), -80, 80, fill=_shade(col, 0.8), width=4)
    c.poly([(34, 30), (66, 30), (72, 82), (28, 82)], fill=col)
    c.rect((36, 22, 64, 31), fill=_shade(col, 0.8), radius=3)
    c.ellipse((46, 15, 54, 23), fill=_shade(col, 0.8))
    c.rect((28, 76, 72, 82), fill=_shade(col, 0.75), radius=2)
    c.ellipse((40, 46, 48, 54), fill=(255, 255, 255))


def draw_salt(c: Canvas, col: str) -> None:
    c.ellipse((20, 38, 80, 56), fill=_shade(col, 0.8))
    c.poly([(20, 47), (80, 47), (72, 74), (28, 74)], fill=col)
    c.ellipse((28, 68, 72, 80), fill=col)
    c.ellipse((24, 40, 76, 54), fill=(250, 250, 248))
    c.rect((56, 18, 60, 50), fill=(190, 150, 100), radius=2)
    c.ellipse((50, 44, 66, 52), fill=(190, 150, 100))


DRAWINGS = {
    "mug": draw_mug,
    "apron": draw_apron,
    "skillet": draw_skillet,
    "towels": draw_towels,
    "candle": draw_candle,
    "honey": draw_honey,
    "board": draw_board,
    "blanket": draw_blanket,
    "coffee_pot": draw_coffee_pot,
    "salt": draw_salt,
}


def product_png(name: str, drawing: str, background: str, colour: str, *, label: bool = False) -> bytes:
    """A square PNG of the product; ``label`` adds its name on a band at the bottom."""
    big = SIZE * SCALE
    image = Image.new("RGB", (big, big), _shade(background, 1.0))
    draw = ImageDraw.Draw(image)
    top = 0.0 if label else 0.06
    # A soft circle behind the object, then the object itself.
    draw.ellipse((big * 0.14, big * (0.08 + top), big * 0.86, big * (0.80 + top)), fill=_shade(background, 1.18))
    object_layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    DRAWINGS[drawing](Canvas(ImageDraw.Draw(object_layer), big * 0.78), colour)
    image.paste(object_layer, (int(big * 0.11), int(big * (0.04 + top))), object_layer)
    if label:
        font = _font(int(big * 0.052))
        band_top = big * 0.84
        draw.rectangle((0, band_top, big, big), fill=_shade(background, 0.9))
        draw.text((big / 2, (band_top + big) / 2), name, font=font, fill=(255, 255, 255), anchor="mm")
    small = image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    buffer = BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
