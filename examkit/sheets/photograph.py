"""What a phone or a copier makes of a printed page, in code, for the tests and `bench/exam_scan.py`:
the page placed on a background (dark desk, grey table, white copier lid) in a frame larger than
the page, seen in perspective (a phone held by hand), rotated and scaled, lit unevenly (a linear or
radial falloff), blurred, with sensor noise and JPEG compression. Every draw comes from the `rng`
given, so a seed gives the same image, byte for byte."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PAPER = 0.93  # paper reflects a little less than the white of the rasterized PDF


@dataclass(frozen=True)
class Condition:
    """How one kind of capture degrades a page; the ranges are drawn from per page."""

    name: str
    background: str = "white"  # "desk" (dark wood), "grey" or "white" (a copier's lid)
    frame: float = 0.1  # the image is this much larger than the page, at least, on each axis
    perspective: float = 0.0  # each page corner moved up to this share of the page width
    rotation: float = 2.0  # degrees, either way
    turn: int = 0  # quarter turns of the whole image (a page photographed sideways or upside down)
    scale: tuple = (0.97, 1.03)
    falloff: float = 0.0  # light lost across the page, 0.5 = the dim side gets half the light
    light: str = "linear"  # or "radial" (a lamp above one spot)
    blur: float = 0.0  # Gaussian sigma in millimetres
    noise: float = 3.0  # sensor noise, grey levels
    jpeg: int = 0  # JPEG quality, 0 for a lossless image
    dpi: int = 200  # pixels per inch of the page as imaged

    @property
    def suffix(self) -> str:
        return ".jpg" if self.jpeg else ".png"


def photograph(page: np.ndarray, dpi: int, condition: Condition, rng: np.random.Generator) -> bytes:
    """The image file `condition` makes of `page` (rasterized at `dpi`): a JPEG as a phone writes
    it, or a lossless PNG; its suffix is `condition.suffix`."""
    import cv2

    out_mm = condition.dpi / 25.4
    page = cv2.resize(page, None, fx=condition.dpi / dpi, fy=condition.dpi / dpi, interpolation=cv2.INTER_AREA)
    h, w = page.shape
    quad = _placed_corners(w, h, condition, rng)
    low, high = quad.min(axis=0), quad.max(axis=0)
    pad = np.array([w, h]) * condition.frame / 2 * rng.uniform(1.0, 1.6, 2)
    quad += pad - low
    size = (int(high[0] - low[0] + 2 * pad[0]), int(high[1] - low[1] + 2 * pad[1]))
    canvas = _background(size, condition.background, rng)
    source = np.float32([(0, 0), (w, 0), (w, h), (0, h)])
    matrix = cv2.getPerspectiveTransform(source, np.float32(quad))
    paper = (page.astype(np.float32) * PAPER).astype(np.uint8)
    cv2.warpPerspective(paper, matrix, size, dst=canvas, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT)
    image = canvas.astype(np.float32) * _lighting(size, quad, condition, rng)
    if condition.blur:
        image = cv2.GaussianBlur(image, (0, 0), condition.blur * out_mm)
    image += rng.standard_normal(image.shape, dtype=np.float32) * condition.noise
    image = np.ascontiguousarray(np.rot90(np.clip(image, 0, 255).astype(np.uint8), condition.turn))
    _, data = cv2.imencode(
        condition.suffix, image, [cv2.IMWRITE_JPEG_QUALITY, condition.jpeg] if condition.jpeg else []
    )
    return data.tobytes()


def _placed_corners(w: int, h: int, condition: Condition, rng) -> np.ndarray:
    """Where the page's corners (top-left, top-right, bottom-right, bottom-left) land: scaled,
    rotated about the centre, each moved by a hand's perspective."""
    angle = math.radians(rng.uniform(-condition.rotation, condition.rotation))
    scale = rng.uniform(*condition.scale)
    cos, sin = math.cos(angle) * scale, math.sin(angle) * scale
    corners = np.array([(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)])
    turned = corners @ np.array([[cos, sin], [-sin, cos]])
    return turned + rng.uniform(-1, 1, (4, 2)) * condition.perspective * w


def _background(size: tuple, kind: str, rng) -> np.ndarray:
    """A desk's wood grain (dark streaks along one axis), a grey table, or a copier's white lid."""
    import cv2

    w, h = size
    if kind == "desk":
        grain = rng.normal(0, 1, (h // 8 + 1, 6)).astype(np.float32)  # streaks along x
        streaks = cv2.resize(grain, (w, h), interpolation=cv2.INTER_CUBIC)
        level = 70 + 18 * streaks
    elif kind == "grey":
        level = np.full((h, w), 128, np.float32)
    elif kind == "white":
        level = np.full((h, w), 250, np.float32)
    else:
        raise ValueError(f"unknown background {kind!r} (desk, grey or white)")
    return np.clip(level, 0, 255).astype(np.uint8)


def _lighting(size: tuple, quad: np.ndarray, condition: Condition, rng) -> np.ndarray:
    """A gain per pixel: 1 where the light is strongest, 1 - falloff at the far side of the page
    (along a random direction, or away from a random spot for a radial falloff)."""
    import cv2

    w, h = size
    step = 16
    ys, xs = np.mgrid[0 : h + step : step, 0 : w + step : step].astype(np.float32)
    if condition.light == "radial":
        spot = quad[int(rng.integers(4))] * 0.5 + quad.mean(axis=0) * 0.5
        distance = np.hypot(xs - spot[0], ys - spot[1])
        reach = np.hypot(*(quad - spot).T).max()
        share = (distance / reach) ** 2
    elif condition.light == "linear":
        theta = rng.uniform(0, 2 * math.pi)
        direction = np.array([math.cos(theta), math.sin(theta)])
        along = quad @ direction
        share = (xs * direction[0] + ys * direction[1] - along.min()) / (along.max() - along.min())
    else:
        raise ValueError(f"unknown light {condition.light!r} (linear or radial)")
    gain = 1 - condition.falloff * np.clip(share, 0, 1)
    return cv2.resize(gain, (w, h), interpolation=cv2.INTER_LINEAR)


FALLOFFS = (0.0, 0.15, 0.25, 0.35, 0.45, 0.5)  # issue 14's series of light falling off across the page
PHONE = {"perspective": 0.06, "rotation": 6.0}  # a phone held by hand above the page
CONDITIONS = (
    Condition("copier", rotation=2.0, scale=(0.99, 1.01)),
    Condition("copier-upside-down", rotation=3.0, turn=2, noise=4.0, jpeg=85),
    Condition("copier-dark-lid-open", "desk", frame=0.3, rotation=4.0, falloff=0.15),
    Condition("phone-desk", "desk", perspective=0.07, rotation=10.0, falloff=0.3, blur=0.1, jpeg=75),
    Condition("phone-grey-sideways", "grey", **PHONE, turn=1, falloff=0.4, light="radial", jpeg=70),
    Condition("phone-white-lid", **PHONE, falloff=0.5, light="radial", blur=0.1, jpeg=80),
    Condition("phone-far", "desk", frame=1.0, **PHONE, falloff=0.4, jpeg=75, dpi=150),  # 12 Mpx, a far page
    *(Condition(f"falloff-{round(f * 100)}", "desk", **PHONE, falloff=f, jpeg=85) for f in FALLOFFS),
    Condition(
        "harsh",
        "desk",
        perspective=0.08,
        rotation=10.0,
        turn=3,
        falloff=0.5,
        light="radial",
        blur=0.2,
        noise=6.0,
        jpeg=50,
        dpi=150,
    ),  # fmt: skip
)
