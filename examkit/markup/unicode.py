"""LaTeX math as Unicode text, for terminals: `\\frac{\\mu^2}{2} - \\log\\sigma` -> `μ²/2 - log σ`.

Covers what the bank and sympy's LaTeX printer write (Greek, operators, fractions, roots, scripts,
blackboard and calligraphic letters, accents, delimiters); an unknown command shows its name, so
nothing is silently lost. Whole bank texts go through `examkit.markup.to_terminal`.
"""

from __future__ import annotations

import re

GREEK = dict(
    zip(
        "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi rho sigma tau "
        "upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega".split(),
        "αβγδεεζηθϑικλμνξπρστυφφχψωΓΔΘΛΞΠΣΦΨΩ",
    )
)
SYMBOLS = {
    "cdot": "·",
    "times": "×",
    "ast": "∗",
    "star": "⋆",
    "approx": "≈",
    "sim": "∼",
    "simeq": "≃",
    "propto": "∝",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "equiv": "≡",
    "ll": "≪",
    "gg": "≫",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "Rightarrow": "⇒",
    "implies": "⇒",
    "iff": "⇔",
    "mapsto": "↦",
    "in": "∈",
    "notin": "∉",
    "subset": "⊂",
    "cup": "∪",
    "cap": "∩",
    "forall": "∀",
    "exists": "∃",
    "infty": "∞",
    "partial": "∂",
    "nabla": "∇",
    "sum": "Σ",
    "prod": "∏",
    "int": "∫",
    "mid": "|",
    "|": "‖",
    "lVert": "‖",
    "rVert": "‖",
    "Vert": "‖",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "lceil": "⌈",
    "rceil": "⌉",
    "langle": "⟨",
    "rangle": "⟩",
    "odot": "⊙",
    "otimes": "⊗",
    "oplus": "⊕",
    "pm": "±",
    "mp": "∓",
    "cdots": "⋯",
    "ldots": "…",
    "dots": "…",
    "circ": "∘",
    "ell": "ℓ",
    "top": "ᵀ",
    "quad": "  ",
    "qquad": "    ",
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    " ": " ",
    "{": "{",
    "}": "}",
    "%": "%",
    "_": "_",
    "&": "&",
    "#": "#",
    "$": "$",
    "\\": "\n",
    "prime": "′",
}
OPERATORS = {
    "cdot",
    "times",
    "ast",
    "star",
    "approx",
    "sim",
    "simeq",
    "propto",
    "le",
    "leq",
    "ge",
    "geq",
    "ne",
    "neq",
    "equiv",
    "ll",
    "gg",
    "to",
    "rightarrow",
    "leftarrow",
    "Rightarrow",
    "implies",
    "iff",
    "mapsto",
    "in",
    "notin",
    "subset",
    "cup",
    "cap",
    "mid",
    "odot",
    "otimes",
    "oplus",
    "pm",
    "mp",
    "circ",
}
OPENING = {"lVert", "lvert", "lfloor", "lceil", "langle"}
CLOSING = {"rVert", "rvert", "rfloor", "rceil", "rangle"}
_GLUE = "\x00"  # marks a closing delimiter: the space before it goes
FUNCTIONS = {
    "log",
    "ln",
    "exp",
    "min",
    "max",
    "dim",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "arg",
    "argmin",
    "argmax",
    "det",
    "tr",
    "sup",
    "inf",
    "lim",
    "softmax",
    "ReLU",
    "KL",
    "Var",
    "Cov",
    "sgn",
}
DELIMITER_SIZES = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "big", "Big", "bigg", "middle"}
PLAIN_STYLES = {
    "text",
    "textrm",
    "mathrm",
    "operatorname",
    "mathit",
    "mathbf",
    "textbf",
    "textit",
    "boldsymbol",
    "mathsf",
    "texttt",
    "emph",
    "rm",
    "bf",
}
BLACKBOARD = {"E": "𝔼", "R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "P": "ℙ", "1": "𝟙"}
CALLIGRAPHIC = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "𝒜ℬ𝒞𝒟ℰℱ𝒢ℋℐ𝒥𝒦ℒℳ𝒩𝒪𝒫𝒬ℛ𝒮𝒯𝒰𝒱𝒲𝒳𝒴𝒵"))
ACCENTS = {
    "hat": "\u0302",
    "widehat": "\u0302",
    "bar": "\u0304",
    "overline": "\u0305",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "vec": "\u20d7",
    "dot": "\u0307",
    "ddot": "\u0308",
}
SUPERSCRIPT = dict(zip("0123456789+-=()niTtkjxyzabcdefghlmoprsuvw′*∗", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀᵗᵏʲˣʸᶻᵃᵇᶜᵈᵉᶠᵍʰˡᵐᵒᵖʳˢᵘᵛʷ′**"))
SUBSCRIPT = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))

_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\s+)|(.)", re.S)


class _Reader:
    def __init__(self, latex: str):
        self.tokens = [(m.group(1), m.group(2), m.group(3)) for m in _TOKEN.finditer(latex)]
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def next(self):
        token = self.peek()
        self.i += 1
        return token

    def skip_space(self):
        while self.peek() and self.peek()[1] is not None:
            self.i += 1

    def argument(self) -> str:
        """One argument: a {group}, a command, or a single character."""
        self.skip_space()
        token = self.peek()
        if token is None:
            return ""
        if token[2] == "{":
            self.i += 1
            return self.sequence(until="}")
        return self.atom()

    def raw_argument(self) -> str:
        """The literal letters of {E} in \\mathbb{E}."""
        self.skip_space()
        if self.peek() and self.peek()[2] == "{":
            self.i += 1
            chars = []
            while self.peek() and self.peek()[2] != "}":
                command, space, char = self.next()
                chars.append(char or space or command)
            self.i += 1
            return "".join(chars)
        token = self.next()
        return (token[2] or token[0] or "") if token else ""

    def sequence(self, until=None) -> str:
        out = []
        while self.peek() is not None:
            if until and self.peek()[2] == until:
                self.i += 1
                break
            if self.peek()[2] == "-" and "".join(out).strip()[-1:] not in ("", "(", "[", "{", "=", "+", "-", ","):
                self.i += 1
                out.append(" - ")  # binary minus; a leading or bracketed one stays unary
                continue
            out.append(self.atom())
        return "".join(out)

    def atom(self) -> str:
        command, space, char = self.next()
        if space is not None:
            return " "
        if char is not None:
            if char == "{":
                return self.sequence(until="}")
            if char in "^_":
                return _script(self.argument(), SUPERSCRIPT if char == "^" else SUBSCRIPT, char)
            if char == "~":
                return " "
            if char in "=<>" or char == "+":
                return f" {char} "
            return char
        return self.command(command)

    def command(self, name: str) -> str:
        if name in GREEK:
            return GREEK[name]
        if name in ("sum", "prod", "int"):  # the operator with its limits, set apart from its operand
            limits = ""
            while self.peek() and self.peek()[2] in ("^", "_"):
                limits += self.atom()
            return f" {SYMBOLS[name]}{limits} "
        if name in OPERATORS:
            return f" {SYMBOLS[name]} "
        if name in OPENING:
            self.skip_space()
            return SYMBOLS[name]
        if name in CLOSING:
            return _GLUE + SYMBOLS[name]
        if name in SYMBOLS:
            return SYMBOLS[name]
        if name in FUNCTIONS:
            self.skip_space()
            token = self.peek()
            if token and token[0] in ("frac", "tfrac", "dfrac", "cfrac"):  # \log\frac{a}{b}: log((a)/b), one argument
                return f" {name}({self.atom()})"
            return f" {name} "
        if name in DELIMITER_SIZES:
            self.skip_space()
            token = self.next()
            if token is None or token[2] == ".":
                return ""
            delimiter = self.command(token[0]) if token[0] else (token[2] or "")
            return _GLUE + delimiter if name in ("right", "bigr", "Bigr", "biggr") else delimiter
        if name in ("frac", "tfrac", "dfrac", "cfrac"):
            top, bottom = self.argument(), self.argument()
            return f"{_wrap(top)}/{_wrap(bottom)}"
        if name == "sqrt":
            return "√" + _wrap(self.argument())
        if name in PLAIN_STYLES:
            return self.argument()
        if name == "mathbb":
            return "".join(BLACKBOARD.get(c, c) for c in self.raw_argument())
        if name in ("mathcal", "mathscr"):
            return "".join(CALLIGRAPHIC.get(c, c) for c in self.raw_argument())
        if name in ACCENTS:
            body = self.argument()
            return body + ACCENTS[name] if len(body) == 1 else f"{name}({body})"
        return name


def _wrap(text: str) -> str:
    """Parenthesise a fraction's part unless it is one symbol, number or already bracketed."""
    text = text.strip()
    if re.fullmatch(r"[\w.′²³¹⁰-⁹ₐ-ₜ₀-₉]+|\(.*\)", text) and not _unbalanced(text):
        return text
    return f"({text})"


def _unbalanced(text: str) -> bool:
    depth = 0
    for i, c in enumerate(text):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and i < len(text) - 1 and text.startswith("("):
            return True  # "(a)(b)" is not one bracket
    return False


def _script(text: str, table: dict, mark: str) -> str:
    text = re.sub(r"\s+", "", text)
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    return mark + (text if text.isalnum() else f"({text})")


_FUNCTION_SPACE = re.compile(r"\b(" + "|".join(sorted(FUNCTIONS)) + r") (?=[(_^ₐ-ₜ₀-₉ᵢ-ᵪ])")


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(" ?" + _GLUE, "", text)
    text = _FUNCTION_SPACE.sub(r"\1", text)
    text = re.sub(r"([(\[{⌊⟨]) ", r"\1", text)
    text = re.sub(r" ([)\]},⌋⟩])", r"\1", text)
    text = re.sub(r"\s+([²³¹⁰-⁹ᵀ])", r"\1", text)
    return text.strip()


def math_to_unicode(latex: str) -> str:
    return _tidy(_Reader(latex).sequence())


_GREEK_WORD = re.compile(
    r"\b(" + "|".join(sorted((k for k in GREEK if not k.startswith("var")), key=len, reverse=True)) + r")\b"
)
_POWER = re.compile(r"(\*\*|\^)(\([^()]*\)|-?[\w.]+)")


def plain_to_unicode(text: str) -> str:
    """Plain answer syntax as typed by students (`-(1/2)*log(2*pi*sigma^2)`) made readable:
    `-(1/2)·log(2·π·σ²)`. The shape is kept exactly: nothing is simplified or reordered."""

    def power(match):
        body = match.group(2)
        inner = body[1:-1] if body.startswith("(") else body
        if inner and all(c in SUPERSCRIPT for c in inner):
            return "".join(SUPERSCRIPT[c] for c in inner)
        return "^" + body

    text = _GREEK_WORD.sub(lambda m: GREEK[m.group(1)], text)
    text = _POWER.sub(power, text)
    return text.replace("*", "·")
