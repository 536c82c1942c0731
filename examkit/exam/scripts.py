"""A student's name (or id) printed in its own script: split into runs of one script, each run set
in a real font for that script through HarfBuzz (right-to-left runs in their direction), and a name
no installed font can set refused before TeX runs, naming its roster line.

Latin, Greek, Cyrillic and the characters every script shares stay in the document's own font
(CMU, with the fallbacks below for what CMU lacks), so a name in those scripts matches the text
around it. Every other script gets the Noto font Debian packages for it (fonts-noto-core; CJK:
fonts-noto-cjk): shaping (Arabic joining, Indic conjuncts, Thai marks) needs the font's own
OpenType tables, which fallback glyphs in TeX's node mode never apply. The run's font, HarfBuzz
script and direction are written into the TeX source (`\\examkitscript`, templates/latex/fonts.tex.j2),
so the .tex files do not depend on the machine that renders them, and a document loads only the
fonts its names use.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

from fontTools import unicodedata as ucd
from fontTools.ttLib import TTFont

from ..bank.loader import Problem
from ..markup.latex import escape_specials

# The document's fonts (templates/latex/fonts.tex.j2 renders these): CMU for text, and what
# luaotfload falls back to for a Latin, Greek or Cyrillic character CMU lacks.
MAIN_FONTS = ("CMU Serif", "CMU Sans Serif", "CMU Typewriter Text")
FALLBACK_FONTS = ("DejaVu Serif", "DejaVu Sans")
MAIN_SCRIPTS = {"Latn", "Grek", "Cyrl", "Zyyy", "Zinh", "Zzzz"}
# Scripts whose Noto font has a serif design in fonts-noto-core (closer to CMU); others get Noto Sans.
NOTO_SERIF = {"Armn", "Beng", "Deva", "Ethi", "Geor", "Gujr", "Guru", "Hebr", "Khmr", "Knda", "Laoo", "Mlym",
              "Mymr", "Sinh", "Taml", "Telu", "Thai", "Tibt"}  # fmt: skip
CJK_SCRIPTS = {"Hani", "Hira", "Kana", "Hang", "Bopo"}
# Characters HarfBuzz uses without drawing them (joiners, marks of direction, variation selectors).
IGNORABLE = {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, *range(0xFE00, 0xFE10)}


@dataclass(frozen=True)
class ScriptFont:
    """How one run is set: its font family, HarfBuzz script (ISO 15924, lower case) and direction."""

    family: str
    script: str
    rtl: bool = False

    @property
    def package(self) -> str:
        return "fonts-noto-cjk" if "CJK" in self.family else "fonts-noto-core"


def cjk_font(text: str) -> ScriptFont:
    """The regional Noto CJK face for a whole name: its kana make it Japanese, its Hangul Korean; Han
    alone is Simplified Chinese if GB 2312 has it, Traditional if only Big5 does, else Japanese."""
    scripts = {ucd.script(ch) for ch in text}
    if scripts & {"Hira", "Kana"}:
        return ScriptFont("Noto Serif CJK JP", "hani")
    if "Hang" in scripts:
        return ScriptFont("Noto Serif CJK KR", "hang")
    han = "".join(ch for ch in text if ucd.script(ch) == "Hani")
    for codec, region in (("gb2312", "SC"), ("big5", "TC"), ("euc_jp", "JP")):
        try:
            han.encode(codec)
        except UnicodeEncodeError:
            continue
        return ScriptFont(f"Noto Serif CJK {region}", "hani")
    return ScriptFont("Noto Serif CJK SC", "hani")


def script_font(script: str, text: str) -> ScriptFont | None:
    """The font for a run of `script` (a group of `_group`) in the name `text` (None: the document's own)."""
    if script in MAIN_SCRIPTS:
        return None
    if script == "CJK":
        return cjk_font(text)
    style = "Serif" if script in NOTO_SERIF else "Sans"
    rtl = ucd.script_horizontal_direction(script, "LTR") == "RTL"
    return ScriptFont(f"Noto {style} {ucd.script_name(script).replace('_', ' ')}", script.lower(), rtl)


def _group(script: str) -> str:
    """Scripts set in one font together: the document's own (Zyyy), CJK, or the script itself."""
    return "Zyyy" if script in MAIN_SCRIPTS else "CJK" if script in CJK_SCRIPTS else script


def runs(text: str) -> list[tuple[ScriptFont | None, str]]:
    """`text` (NFC) as runs of one font each, in logical order. A combining mark stays with its base;
    spaces, punctuation and digits join a run only where the same script surrounds them (so the
    space between two Arabic words is Arabic, the one between Arabic and Latin is the document's)."""
    text = unicodedata.normalize("NFC", text)
    groups = []
    for ch in text:
        script = ucd.script(ch)
        if script == "Zinh":
            groups.append(groups[-1] if groups and isinstance(groups[-1], str) else "Zyyy")
        elif script == "Zyyy" and unicodedata.bidirectional(ch) == "EN":  # 0-9: in the document's font
            groups.append("Zyyy")
        elif script == "Zyyy":  # shared; one that only some scripts use may join only those
            shared = {_group(s) for s in ucd.script_extension(ch)} - {"Zyyy"}
            groups.append(shared.pop() if len(shared) == 1 else shared or None)
        else:
            groups.append(_group(script))
    resolved = _resolve_common(groups)
    out = []
    for ch, group in zip(text, resolved):
        if out and out[-1][0] == group:
            out[-1][1].append(ch)
        else:
            out.append((group, [ch]))
    return [(script_font(group, text), "".join(chars)) for group, chars in out]


def _resolve_common(groups: list) -> list[str]:
    """Each shared character (None, or the set of scripts it may belong to) takes the script of the
    strong characters on both sides where they agree (and it may belong to it), else the main font's."""
    strong = [g if isinstance(g, str) else None for g in groups]
    before, after = [None] * len(groups), [None] * len(groups)
    for i in range(1, len(groups)):
        before[i] = strong[i - 1] or before[i - 1]
    for i in range(len(groups) - 2, -1, -1):
        after[i] = strong[i + 1] or after[i + 1]
    resolved = []
    for i, g in enumerate(groups):
        if isinstance(g, str):
            resolved.append(g)
        elif before[i] is not None and before[i] == after[i] and (g is None or before[i] in g):
            resolved.append(before[i])
        elif isinstance(g, set) and (before[i] in g or after[i] in g):  # a kana mark at a name's end
            resolved.append(before[i] if before[i] in g else after[i])
        else:
            resolved.append("Zyyy")
    return resolved


def name_tex(text: str) -> str:
    """A name or id as LaTeX: runs in the document's font escaped, others in `\\examkitscript`. A
    right-to-left stretch (its runs and the spaces, digits and punctuation between them) is set right
    to left as a whole, its numbers left to right: what the Unicode bidi algorithm does to a name."""
    pieces, out, i = runs(text), [], 0
    while i < len(pieces):
        font, run = pieces[i]
        if not (font and font.rtl):
            out.append(_run_tex(font, run, rtl=False))
            i += 1
            continue
        end = i
        for j in range(i + 1, len(pieces)):
            if pieces[j][0] and pieces[j][0].rtl:
                end = j
            elif pieces[j][0] or not _neutral(pieces[j][1]):
                break
            elif any(unicodedata.bidirectional(ch) == "EN" for ch in pieces[j][1]):
                end = j  # a number after right-to-left words stands to their left
        out.append("{\\textdir TRT " + "".join(_run_tex(f, r, rtl=True) for f, r in pieces[i : end + 1]) + "}")
        i = end + 1
    return "".join(out)


def _neutral(run: str) -> bool:
    """No letter with a direction of its own: spaces, digits, punctuation."""
    return all(unicodedata.bidirectional(ch) not in ("L", "R", "AL") for ch in run)


def _run_tex(font: ScriptFont | None, run: str, rtl: bool) -> str:
    body = _ltr_numbers(run) if rtl else escape_specials(run)
    if font is None:
        return body
    return f"\\examkitscript{{{font.family}}}{{{font.script}}}{{{'TRT' if font.rtl else 'TLT'}}}{{{body}}}"


def _ltr_numbers(run: str) -> str:
    """`run` escaped, each number in it (European or Arabic-Indic digits) set left to right."""
    out, number = [], []
    for ch in run + "\n":
        if unicodedata.bidirectional(ch) in ("EN", "AN") or (number and unicodedata.bidirectional(ch) == "CS"):
            number.append(ch)
            continue
        if number:
            out.append("{\\textdir TLT " + escape_specials("".join(number)) + "}")
            number = []
        out.append(escape_specials(ch))
    return "".join(out[:-1])


@functools.cache
def installed_fonts() -> dict[str, tuple[str, int]]:
    """Font family (lower case) -> (file, face index) of its regular face, from fontconfig, which
    is how luaotfload finds system fonts too. Empty where fontconfig is not installed."""
    if not shutil.which("fc-list"):
        return {}
    listing = subprocess.run(["fc-list", "--format", "%{family}\t%{style}\t%{file}\t%{index}\n"],
                             capture_output=True, text=True, check=False).stdout  # fmt: skip
    fonts, regular = {}, {"regular", "book", "roman"}
    for line in listing.splitlines():
        families, styles, path, index = (line.split("\t") + ["", "", "", "0"])[:4]
        is_regular = bool(regular & {s.strip().lower() for s in styles.split(",")})
        for family in families.split(","):
            key = family.strip().lower()
            if key and (is_regular or key not in fonts):
                fonts[key] = (path, int(index or 0))
    return fonts


@functools.cache
def coverage(family: str) -> frozenset[int] | None:
    """The code points a font family has glyphs for (None: not installed)."""
    found = installed_fonts().get(family.lower())
    if not found:
        return None
    path, index = found
    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or ())


def main_coverage() -> frozenset[int]:
    """What the document's font sets: characters every CMU face has, or a fallback font has."""
    faces = [coverage(f) or frozenset() for f in MAIN_FONTS]
    fallbacks = [coverage(f) or frozenset() for f in FALLBACK_FONTS]
    return frozenset.intersection(*faces).union(*fallbacks)


def unprintable(text: str) -> str | None:
    """Why `text` cannot be printed as written and what to do (a font missing, or characters no
    installed font has), or None."""
    for font, run in runs(text):
        have = coverage(font.family) if font else main_coverage()
        if have is None:
            return (f'its {ucd.script_name(font.script.title())} letters need the font "{font.family}", which is not '
                    f"installed: install it (Debian: {font.package}), or give the name in another script")  # fmt: skip
        lacking = [c for c in run if ord(c) not in have and ord(c) not in IGNORABLE and not c.isspace()]
        if lacking:
            fonts = f'"{font.family}"' if font else ", ".join(MAIN_FONTS + FALLBACK_FONTS)
            return (f"no installed font can set {', '.join(_describe(c) for c in dict.fromkeys(lacking))} (not in "
                    f"{fonts}): give the name in another script")  # fmt: skip
    return None


def _describe(ch: str) -> str:
    kind = {"Co": "private use", "Cn": "unassigned"}.get(unicodedata.category(ch))
    return f"U+{ord(ch):04X} {kind or unicodedata.name(ch, '')}".rstrip()


def check_printable(students, roster_path) -> list[Problem]:
    """A problem per roster line whose name or id would print as boxes or blanks: refused before TeX."""
    if not installed_fonts():  # no fontconfig to ask: LuaLaTeX's missing-glyph check still fails the file
        return []
    problems = []
    for student in students:
        for what, text in (("name", student.name), ("student id", student.id)):
            why = unprintable(text) if text and not text.isascii() else None
            if why:
                problems.append(
                    Problem(str(roster_path), student.line, f"the {what} {text!r} cannot be printed: {why}")
                )
    return problems
