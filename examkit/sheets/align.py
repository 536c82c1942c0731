"""Finding a sheet in a scan or a photograph: its four corner marks, wherever the page lies in the
image (on a dark desk, on a copier's white lid, in a frame larger than the page), under uneven
light, and the page warped upright onto the layout's millimetres by the homography they give (so
perspective, rotation and scale all come out). The QR code says which way up the page is.

Light and background are taken out first: the image is divided by its local paper level (the
brightest grey within a few millimetres), so a corner mark is dark against its own paper whether
the page is lit or in shadow, and a desk darker than the paper is no longer "ink". The marks are
then found by their shape (filled squares of the layout's size, anywhere in the image) and chosen
as the four whose positions and sizes fit the layout.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import layout as L

PX_PER_MM = 8.0  # the aligned page: 1680 x 2376 px
SEARCH_PX_MM = 4.0  # the corner search runs on the image shrunk to about this resolution
PAPER_WINDOW_MM = 15.0  # the local paper level: the brightest grey within this square
INK_SHARE = 0.6  # darker than this share of the local paper: ink, for the corner search
MAX_CANDIDATES = 14
MARK_SPAN = (L.MARKS[1][0] - L.MARKS[0][0], L.MARKS[2][1] - L.MARKS[0][1])  # mm between mark centres


def cv2():
    import cv2

    cv2.setNumThreads(1)
    return cv2


def _odd(value: float) -> int:
    return max(3, int(value) | 1)


def local_paper(gray: np.ndarray, window: int) -> np.ndarray:
    """The paper's grey around each pixel: the brightest value within `window` pixels (ink, marks
    and a darker background all lie below it), smoothed so it follows the light, not the print."""
    cv = cv2()
    kernel = cv.getStructuringElement(cv.MORPH_RECT, (window, window))
    return cv.blur(cv.dilate(gray, kernel), (window, window))


def corner_marks(gray: np.ndarray):
    """The centres of the four corner squares (top-left, top-right, bottom-left, bottom-right) in
    `gray`'s pixels, or None."""
    cv = cv2()
    h, w = gray.shape
    shrink = max(1, round(max(h, w) / L.PAGE_H / SEARCH_PX_MM))
    small = cv.resize(gray, (w // shrink, h // shrink), interpolation=cv.INTER_AREA) if shrink > 1 else gray
    px_mm = max(small.shape) / L.PAGE_H  # at most: the page may be smaller than the image
    paper = local_paper(small, _odd(PAPER_WINDOW_MM * px_mm))
    ink = (small.astype(np.float32) < INK_SHARE * paper.astype(np.float32)).astype(np.uint8)
    found = _squares(ink, (L.MARK_SIZE * px_mm) ** 2)
    corners = _best_four(found)
    if corners is None:
        return None
    return [((x + 0.5) * shrink - 0.5, (y + 0.5) * shrink - 0.5) for x, y in corners]


def _squares(ink: np.ndarray, largest: float) -> list:
    """(x, y, side) of every filled square blob no larger than a corner mark of a page that fills
    the image, and no smaller than one of a page a third of the image."""
    cv = cv2()
    contours, _ = cv.findContours(ink, cv.RETR_LIST, cv.CHAIN_APPROX_SIMPLE)
    found = []
    for c in contours:
        area = cv.contourArea(c)
        if not largest / 9 < area < largest * 1.3:
            continue
        (cx, cy), (rw, rh), _ = cv.minAreaRect(c)
        if not 0.7 < rw / max(rh, 1e-6) < 1.43 or area < 0.85 * rw * rh:
            continue
        x, y, bw, bh = cv.boundingRect(c)
        if ink[y : y + bh, x : x + bw].sum() < 0.85 * area:  # a ring (a QR finder), not a filled square
            continue
        m = cv.moments(c)
        found.append((m["m10"] / m["m00"], m["m01"] / m["m00"], area**0.5))
    found.sort(key=lambda s: -s[2])
    return found[:MAX_CANDIDATES]


def _best_four(found: list):
    """The four squares that sit like the layout's corner marks: a convex quadrilateral of the
    right proportions (perspective allowed), with marks of the size its sides imply."""
    best, best_error = None, 0.35
    for four in itertools.combinations(found, 4):
        error, corners = _fit(four)
        if error < best_error:
            best, best_error = corners, error
    return best


def _fit(four) -> tuple[float, list | None]:
    """How far four squares are from the corner marks' arrangement (0 exact), and them in order."""
    centre = np.mean([(x, y) for x, y, _ in four], axis=0)
    ring = sorted(four, key=lambda s: np.arctan2(s[1] - centre[1], s[0] - centre[0]))  # clockwise on screen
    start = min(range(4), key=lambda i: ring[i][0] + ring[i][1])
    tl, tr, br, bl = (ring[(start + i) % 4] for i in range(4))
    points = np.array([(s[0], s[1]) for s in (tl, tr, br, bl)])
    edges = np.roll(points, -1, axis=0) - points
    turns = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    if not (turns > 0).all():
        return 1.0, None
    top, right, bottom, left = np.hypot(edges[:, 0], edges[:, 1])
    across, down = (top + bottom) / 2, (left + right) / 2
    px_mm = (across / MARK_SPAN[0] + down / MARK_SPAN[1]) / 2
    errors = [
        abs(np.log(top / bottom)),
        abs(np.log(left / right)),
        abs(np.log((across / down) / (MARK_SPAN[0] / MARK_SPAN[1]))),
        *(abs(np.log(s[2] / (L.MARK_SIZE * px_mm))) for s in four),
    ]
    return max(errors), [(tl[0], tl[1]), (tr[0], tr[1]), (bl[0], bl[1]), (br[0], br[1])]


def align(gray: np.ndarray):
    """The page warped to PX_PER_MM in the layout's millimetres, or None without its corner marks."""
    cv = cv2()
    corners = corner_marks(gray)
    if corners is None:
        return None
    source = np.float32(corners)
    target = np.float32([(x * PX_PER_MM, y * PX_PER_MM) for x, y in L.MARKS])
    matrix = cv.getPerspectiveTransform(source, target)
    size = (int(L.PAGE_W * PX_PER_MM), int(L.PAGE_H * PX_PER_MM))
    return cv.warpPerspective(gray, matrix, size, flags=cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)


def read_code(page: np.ndarray) -> dict | None:
    """The QR payload, read where the sheet prints it (top right): a page scanned upside down has
    its code bottom left, so it is not read here and `upright` turns it."""
    cv = cv2()
    left, top, size = L.QR_BOX
    pad = 6
    crop = page[int((top - pad) * PX_PER_MM) : int((top + size + pad) * PX_PER_MM),
                int((left - pad) * PX_PER_MM) : int((left + size + pad) * PX_PER_MM)]  # fmt: skip
    paper = local_paper(crop, _odd(4 * PX_PER_MM)).astype(np.float32)
    even = np.clip(crop.astype(np.float32) / np.maximum(paper, 1) * 255, 0, 255).astype(np.uint8)
    detector = cv.QRCodeDetector()
    for image in (even, cv.GaussianBlur(even, (3, 3), 0)):
        text, _, _ = detector.detectAndDecode(image)
        if text:
            return L.read_payload(text)
    return None


def upright(gray: np.ndarray):
    """(aligned page, QR payload) whichever way up the page was scanned (portrait or landscape,
    either end first), or (None, why)."""
    turns = (1, 3) if gray.shape[1] > gray.shape[0] else (0, 2)
    aligned = False
    for turn in turns:
        page = align(np.ascontiguousarray(np.rot90(gray, turn)))
        if page is None:
            continue
        aligned = True
        for flip in (0, 2):
            candidate = np.ascontiguousarray(np.rot90(page, flip))
            code = read_code(candidate)
            if code is not None:
                return candidate, code
    if not aligned:
        return None, "no answer-sheet corner marks found (is it a sheet, scanned whole?)"
    return None, "the sheet's QR code could not be read"
