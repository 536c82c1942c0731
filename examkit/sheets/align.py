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
MAX_CANDIDATES = 14  # squares considered, the largest
MAX_FIT_ERROR = 0.35  # how far (log ratio) the squares' sides and sizes may be from the layout's
MAX_TRIES = 3  # arrangements of squares tried per search resolution
QR_PLACE_MM = 1.5  # the QR code's corners on the aligned page: this close to where the layout prints them
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
    """Where the four corner squares may be: lists of their centres (top-left, top-right,
    bottom-left, bottom-right) in `gray`'s pixels, the likeliest first, yielded as found (nothing:
    no sheet). The search runs first as if the page filled the image, then finer, for a page far
    smaller than the image (a phone held high above a desk), only while no four has been taken."""
    h, w = gray.shape
    shrink = max(1, round(max(h, w) / L.PAGE_H / SEARCH_PX_MM))
    for step in dict.fromkeys((shrink, max(1, shrink // 3))):
        for four in _likely_fours(_squares(_shrunk(gray, step))):
            yield [((x + 0.5) * step - 0.5, (y + 0.5) * step - 0.5) for x, y, _ in four]


def _shrunk(gray: np.ndarray, step: int) -> np.ndarray:
    cv = cv2()
    h, w = gray.shape
    return cv.resize(gray, (w // step, h // step), interpolation=cv.INTER_AREA) if step > 1 else gray


def _squares(small: np.ndarray) -> list:
    """(x, y, side) of every filled square of ink in `small` no larger than a corner mark of a page
    that fills the image, and no smaller than one of a page a third of the image across."""
    cv = cv2()
    px_mm = max(small.shape) / L.PAGE_H  # at most: the page may be smaller than the image
    paper = local_paper(small, _odd(PAPER_WINDOW_MM * px_mm))
    ink = (small.astype(np.float32) < INK_SHARE * paper.astype(np.float32)).astype(np.uint8)
    largest = (L.MARK_SIZE * px_mm) ** 2
    contours, _ = cv.findContours(ink, cv.RETR_LIST, cv.CHAIN_APPROX_SIMPLE)
    found = []
    for c in contours:
        area = cv.contourArea(c)
        if not largest / 9 < area < largest * 1.3:
            continue
        (cx, cy), (rw, rh), _ = cv.minAreaRect(c)
        if not 0.7 < rw / max(rh, 1e-6) < 1.43 or area < 0.8 * rw * rh:  # a circle fills 0.79
            continue
        x, y, bw, bh = cv.boundingRect(c)
        if ink[y : y + bh, x : x + bw].sum() < 0.85 * area:  # a ring (a QR finder), not a filled square
            continue
        m = cv.moments(c)
        found.append((m["m10"] / m["m00"], m["m01"] / m["m00"], area**0.5))
    found.sort(key=lambda s: -s[2])
    kept = []  # a ring's inner edge is a contour too: one square per place
    for x, y, side in found:
        if all(np.hypot(x - kx, y - ky) > ks / 2 for kx, ky, ks in kept):
            kept.append((x, y, side))
    return kept[:MAX_CANDIDATES]


def _likely_fours(found: list) -> list:
    """Fours of squares that sit like the layout's corner marks (a convex quadrilateral of the right
    proportions, perspective allowed, with marks of the size its sides imply), the largest first:
    the corner marks are the outermost squares of a sheet, and a QR code's finder patterns, as
    large and as square at a phone's resolution, lie inside them. The QR code read on the aligned
    page confirms the choice."""
    if len(found) < 4:
        return []
    squares = np.array(found)
    fours = squares[np.array(list(itertools.combinations(range(len(found)), 4)))]  # (n, 4, [x, y, side])
    corners = _clockwise(fours)
    error, area = _misfit(corners)
    best = np.argsort(-np.where(error < MAX_FIT_ERROR, area, -1.0))[:MAX_TRIES]
    ordered = corners[:, [0, 1, 3, 2]]  # top-left, top-right, bottom-left, bottom-right
    return [[tuple(p) for p in ordered[i]] for i in best if error[i] < MAX_FIT_ERROR]


def _clockwise(fours: np.ndarray) -> np.ndarray:
    """Each four in clockwise order on screen, from the one nearest the top-left."""
    centre = fours[:, :, :2].mean(axis=1, keepdims=True)
    angle = np.arctan2(fours[:, :, 1] - centre[:, :, 1], fours[:, :, 0] - centre[:, :, 0])
    ring = np.take_along_axis(fours, np.argsort(angle, axis=1)[:, :, None], axis=1)
    start = np.argmin(ring[:, :, 0] + ring[:, :, 1], axis=1)
    order = (start[:, None] + np.arange(4)) % 4
    return np.take_along_axis(ring, order[:, :, None], axis=1)


def _misfit(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each four (clockwise from top-left): how far it is from the marks' arrangement (the
    largest log ratio of sides and sizes to the layout's; infinite for a quadrilateral that is
    not convex or degenerate), and its area."""
    points = corners[:, :, :2]
    edges = np.roll(points, -1, axis=1) - points
    following = np.roll(edges, -1, axis=1)
    turns = edges[:, :, 0] * following[:, :, 1] - edges[:, :, 1] * following[:, :, 0]
    top, right, bottom, left = np.moveaxis(np.hypot(edges[:, :, 0], edges[:, :, 1]), 1, 0)
    across, down = (top + bottom) / 2, (left + right) / 2
    px_mm = (across / MARK_SPAN[0] + down / MARK_SPAN[1]) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = [top / bottom, left / right, across / down * MARK_SPAN[1] / MARK_SPAN[0],
                  *(corners[:, :, 2] / (L.MARK_SIZE * px_mm[:, None])).T]  # fmt: skip
        error = np.nan_to_num(np.abs(np.log(np.stack(ratios))).max(axis=0), nan=np.inf)
    return np.where((turns > 0).all(axis=1), error, np.inf), (turns[:, 0] + turns[:, 2]) / 2


def aligned(gray: np.ndarray, corners: list) -> np.ndarray:
    """The page warped to PX_PER_MM in the layout's millimetres by the homography of its corner marks."""
    cv = cv2()
    target = np.float32([(x * PX_PER_MM, y * PX_PER_MM) for x, y in L.MARKS])
    matrix = cv.getPerspectiveTransform(np.float32(corners), target)
    size = (int(L.PAGE_W * PX_PER_MM), int(L.PAGE_H * PX_PER_MM))
    return cv.warpPerspective(gray, matrix, size, flags=cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)


def read_code(page: np.ndarray) -> dict | None:
    """The QR payload, read where the sheet prints it (top right): a page scanned upside down has
    its code bottom left, so it is not read here and `upright` turns it. A code found more than
    QR_PLACE_MM from its printed place means the page is not aligned (the wrong four squares taken
    for corner marks): no payload, so no bubble is read off a misplaced grid."""
    cv = cv2()
    left, top, size = L.QR_BOX
    pad = 6
    crop = page[int((top - pad) * PX_PER_MM) : int((top + size + pad) * PX_PER_MM),
                int((left - pad) * PX_PER_MM) : int((left + size + pad) * PX_PER_MM)]  # fmt: skip
    paper = local_paper(crop, _odd(4 * PX_PER_MM)).astype(np.float32)
    even = np.clip(crop.astype(np.float32) / np.maximum(paper, 1) * 255, 0, 255).astype(np.uint8)
    detector = cv.QRCodeDetector()
    box = np.array([(0, 0), (size, 0), (size, size), (0, size)]) + pad
    for image in (even, crop, cv.GaussianBlur(even, (3, 3), 0)):
        text, points, _ = detector.detectAndDecode(image)
        if text and points is not None:
            off = np.hypot(*(points.reshape(4, 2) / PX_PER_MM - box).T).max()
            return L.read_payload(text) if off <= QR_PLACE_MM else None
    return None


def upright(gray: np.ndarray):
    """(aligned page, QR payload) whichever way up the page was scanned (portrait or landscape,
    either end first), or (None, why)."""
    turns = (1, 3) if gray.shape[1] > gray.shape[0] else (0, 2)
    found = False
    for turn in turns:
        turned = np.ascontiguousarray(np.rot90(gray, turn))
        for corners in corner_marks(turned):
            found = True
            page = aligned(turned, corners)
            for flip in (0, 2):
                candidate = np.ascontiguousarray(np.rot90(page, flip))
                code = read_code(candidate)
                if code is not None:
                    return candidate, code
    if not found:
        return None, "no answer-sheet corner marks found (is it a sheet, scanned whole?)"
    return None, "the sheet's QR code could not be read"
