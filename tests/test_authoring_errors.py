"""Authoring mistakes are reported once, at the line to fix, in words that teach the fix.

Each case plants one realistic mistake in a copy of one valid question file (an instructor's slips
from issue 16 among them) and runs the real `validate` on it: exactly one problem, at the exact
line, with the teaching words (the field, type, name or function meant; what YAML needs instead).
"""

import textwrap

import pytest

from conftest import run_cli
from examkit.bank.loader import load_file
from examkit.bank.validate import validate

BASE = textwrap.dedent("""\
    topic: vae
    title: Variational autoencoders
    section: "4"
    questions:
      - id: demo-kl
        title: KL of one latent
        objectives: [vae_loss_reparam]
        covers: [exam2a]
        difficulty: easy
        params:
          mu: {uniform: [-1.5, 1.5], decimals: 1}
          sigma: {uniform: [1.5, 2.5], decimals: 2}
        derived:
          kl: -(1/2)*(1 + log(sigma^2) - mu^2 - sigma^2)
        constraints: ["sigma > 1.6"]
        stem: |
          An encoder outputs $\\mu = [[mu]]$ and $\\sigma = [[sigma]]$ for one latent.
        parts:
          - id: kl
            type: numeric
            points: 2
            prompt: Compute the KL term in nats.
            answer: kl
            tolerance: {abs: 0.01}
            misconceptions:
              - name: sigma_for_variance
                answer: -(1/2)*(1 + log(sigma) - mu^2 - sigma)
                feedback: The formula uses the variance, not the standard deviation.
        hints:
          - Start from the closed form of the Gaussian KL.
      - id: demo-slope
        title: Slope of a line
        objectives: [vae_loss_reparam]
        difficulty: easy
        params:
          m: {int: [2, 9]}
        stem: "A line through the origin has slope [[m]]."
        parts:
          - id: y
            type: expression
            points: 1
            prompt: Write $y$ in terms of $x$.
            answer: "[[m]]*x"
            variables: [x]
            misconceptions:
              - {name: inverse, answer: "x/[[m]]", feedback: Slope multiplies x; it does not divide it.}
        hints:
          - A line through the origin is y = m x.
      - id: demo-std
        title: Standard deviation from the log-variance
        objectives: [vae_loss_reparam]
        difficulty: easy
        params:
          c: {choice: [2, 3]}
        stem: "An encoder outputs the log-variance $\\ell$ ([[c]] latents)."
        parts:
          - id: s
            type: expression
            points: 1
            prompt: Write the standard deviation in terms of $\\ell$ (`log_var`).
            answer: exp(log_var/2)
            variables: [log_var]
            misconceptions:
              - {name: no_half, answer: exp(log_var), feedback: The variance is exp(ell); its root halves the exponent.}
        hints:
          - The variance is the exponential of the log-variance.
    """)

KL_PART_TAIL = """\
        tolerance: {abs: 0.01}
        misconceptions:
          - name: sigma_for_variance
            answer: -(1/2)*(1 + log(sigma) - mu^2 - sigma)
            feedback: The formula uses the variance, not the standard deviation.
"""

# (case, text in BASE, its replacement, a fragment of the line the problem must name, words it must say)
CASES = [
    (
        "misconceptions block dedented to the question (issue 16: reported at the question's line)",
        "        misconceptions:\n          - name: sigma",
        "    misconceptions:\n          - name: sigma",
        "    misconceptions:",
        ["'misconceptions' is a field of a part, not of a question", "indented too little"],
    ),
    (
        "misconceptions block dedented to the list's '- ' column (issue 16: raw 'expected <block end>')",
        "        misconceptions:\n          - name: sigma",
        "      misconceptions:\n          - name: sigma",
        "      misconceptions:",
        ["YAML syntax error", "like the '- ' items of the list", "indent it 8 spaces"],
    ),
    (
        "an answer dedented out of its part (not also reported as a missing answer)",
        "        answer: kl\n" + KL_PART_TAIL,
        KL_PART_TAIL + "    answer: kl\n",
        "    answer: kl",
        ["'answer' is a field of a part, not of a question", "indented too little"],
    ),
    (
        "misspelt part field (issue 16: reported twice at the part's line)",
        "tolerance: {abs: 0.01}",
        "tolerence: {abs: 0.01}",
        "tolerence:",
        ["unknown field 'tolerence'", "did you mean 'tolerance'?"],
    ),
    (
        "misspelt part type",
        "type: numeric",
        "type: numerci",
        "type: numerci",
        ["'numerci' is not one of", "did you mean 'numeric'?"],
    ),
    (
        "misspelt parameter kind",
        "m: {int: [2, 9]}",
        "m: {integer: [2, 9]}",
        "m: {integer",
        ["unknown field 'integer' in a parameter", "did you mean 'int'?"],
    ),
    (
        "misspelt argument list of a derived function",
        "kl: -(1/2)*(1 + log(sigma^2) - mu^2 - sigma^2)",
        "kl: {fn: kl_diag_gaussian, arg: [mu, sigma]}",
        "kl: {fn",
        ["unknown field 'arg' in a derived value", "did you mean 'args'?"],
    ),
    (
        "misspelt function of a derived value",
        "kl: -(1/2)*(1 + log(sigma^2) - mu^2 - sigma^2)",
        "kl: {fn: kl_diag_gausian, args: [mu, sigma]}",
        "kl: {fn",
        ["unknown function 'kl_diag_gausian'", "did you mean 'kl_diag_gaussian'"],
    ),
    (
        "misspelt question field",
        "    hints:\n      - Start",
        "    hint:\n      - Start",
        "    hint:",
        ["unknown field 'hint' in a question", "did you mean 'hints'?"],
    ),
    (
        "misspelt misconception field",
        "feedback: The formula uses the variance",
        "feedbak: The formula uses the variance",
        "feedbak:",
        ["unknown field 'feedbak' in a misconception", "did you mean 'feedback'?"],
    ),
    (
        "capitalised difficulty",
        "difficulty: easy\n    params:\n      mu",
        "difficulty: Easy\n    params:\n      mu",
        "difficulty: Easy",
        ["'Easy' is not one of", "did you mean 'easy'?"],
    ),
    (
        "a field of another part type",
        "        tolerance: {abs: 0.01}",
        "        tolerance: {abs: 0.01}\n        select: single",
        "select: single",
        ["'select' does not belong to this type of part (numeric)", "belongs to choice and diagnosis parts"],
    ),
    (
        "misspelt objective",
        "objectives: [vae_loss_reparam]\n    covers",
        "objectives: [vae_los_reparam]\n    covers",
        "vae_los_reparam",
        ["unknown objective 'vae_los_reparam'", "did you mean 'vae_loss_reparam'?"],
    ),
    (
        "misspelt name in an answer",
        "answer: kl\n",
        "answer: kll\n",
        "answer: kll",
        ["unknown name 'kll'", "did you mean 'kl'?"],
    ),
    (
        "misspelt underscored variable (issue 16: read as log to the base 'vr')",
        "answer: exp(log_var/2)",
        "answer: exp(log_vr/2)",
        "answer: exp(log_vr/2)",
        ["unknown name 'log_vr'", "did you mean 'log_var'?"],
    ),
    (
        "misspelt filter",
        "$\\mu = [[mu]]$",
        "$\\mu = [[mu | nm(3)]]$",
        "stem: |",
        ["no filter 'nm'", "did you mean 'num'?"],
    ),
    (
        "misspelt name in a math slot (Jinja alone says \"unexpected char '^'\")",
        "$\\sigma = [[sigma]]$",
        "$\\sigma^2 = [[sigam^2]]$",
        "stem: |",
        ["cannot read [[sigam^2]]", "unknown name 'sigam'", "did you mean 'sigma'?"],
    ),
    (
        "a tab indents a line",
        "    hints:\n      - Start",
        "    hints:\n\t- Start",
        "\t- Start",
        ["YAML syntax error", "tab", "spaces only"],
    ),
    (
        "an unquoted ': ' in a prompt",
        "prompt: Compute the KL term in nats.",
        "prompt: Compute the KL term: in nats.",
        "prompt: Compute the KL term: in nats.",
        ["YAML syntax error", "': ' inside unquoted text", "quotes"],
    ),
    (
        "an unquoted ': ' in a hint (valid YAML, but a mapping, not text)",
        "  - Start from the closed form of the Gaussian KL.",
        "  - Start from the closed form: the Gaussian KL.",
        "- Start from the closed form: the Gaussian KL.",
        ["unquoted ': '", "quotes"],
    ),
    (
        "a plain value starting with a [[ ]] slot",
        'stem: "A line through the origin has slope [[m]]."',
        "stem: [[m]] is the slope of a line through the origin.",
        "stem: [[m]] is the slope",
        ["YAML syntax error", "starting with `[[`", "quotes"],
    ),
    (
        "a plain value starting with '{'",
        "prompt: Write $y$ in terms of $x$.",
        "prompt: {Write} $y$ in terms of $x$.",
        "prompt: {Write}",
        ["YAML syntax error", "starting with '{'", "quotes"],
    ),
    (
        "an unclosed quote (PyYAML gives up lines later)",
        'stem: "A line through the origin has slope [[m]]."',
        'stem: "A line through the origin has slope [[m]].',
        'stem: "A line through the origin has slope [[m]].',
        ["YAML syntax error", "quote opened on this line is not closed"],
    ),
    (
        "a key indented one space too far",
        "        points: 2\n",
        "         points: 2\n",
        "         points: 2",
        ["YAML syntax error", "indented 9 spaces, more than line 20 above it (8)"],
    ),
    (
        "a key given twice",
        "        points: 2\n        prompt: Compute",
        "        points: 2\n        points: 3\n        prompt: Compute",
        "points: 3",
        ["duplicate key 'points'", "first at line"],
    ),
    (
        "a missing answer",
        "        answer: kl\n",
        "",
        "  - id: kl",
        ["'answer' is a required property of a part"],
    ),
]


def _line(text: str, fragment: str) -> int:
    """The one line that is `fragment`, or else the one line that holds it."""
    lines = text.splitlines()
    (line,) = [i for i, t in enumerate(lines, 1) if t == fragment] or [
        i for i, t in enumerate(lines, 1) if fragment in t
    ]
    return line


def _planted(tmp_path, old="", new=""):
    """The base file with `old` (once in it) replaced by `new`; the base itself without `old`."""
    assert not old or BASE.count(old) == 1, old
    text = BASE.replace(old, new) if old else BASE
    path = tmp_path / "vae.yaml"
    path.write_text(text)
    return path, text


def test_the_base_file_is_valid(tmp_path):
    report = validate([_planted(tmp_path)[0]], seeds=20)
    assert report.ok, [str(p) for p in report.problems]
    assert report.templates == 3


@pytest.mark.parametrize("case, old, new, at, words", CASES, ids=[c[0] for c in CASES])
def test_a_planted_mistake_is_reported_once_at_its_line_in_words_that_teach(tmp_path, case, old, new, at, words):
    path, text = _planted(tmp_path, old, new)
    problems = validate([path], seeds=5).problems
    assert len(problems) == 1, [str(p) for p in problems]
    (problem,) = problems
    assert (problem.file, problem.line) == (str(path), _line(text, at)), str(problem)
    for word in words:
        assert word in problem.message, (word, str(problem))


def test_a_yaml_error_shows_the_line_it_names(tmp_path):
    path, text = _planted(tmp_path, "type: numeric", "type:\tnumeric")
    (problem,) = validate([path], seeds=5).problems
    line = _line(text, "type:\tnumeric")
    assert problem.line == line and problem.message.endswith(f"{line} |         type:\tnumeric")


def test_an_expression_answer_may_name_a_parameter(tmp_path):
    """`m*x` with m drawn as 3 is the key 3*x, as `[[m]]*x` is: the printed key and the one the
    student is checked against read the value, since the stem never shows the name m."""
    named = _planted(tmp_path, 'answer: "[[m]]*x"', "answer: m*x")[0]
    assert validate([named], seeds=20).ok
    slot = tmp_path / "slot.yaml"
    slot.write_text(BASE)
    by_name = {t.id: t for t in load_file(named)[0]}["demo-slope"]
    by_slot = {t.id: t for t in load_file(slot)[0]}["demo-slope"]
    for seed in range(5):
        named_part, slot_part = by_name.variant(seed).parts[0], by_slot.variant(seed).parts[0]
        assert named_part.answer_text == slot_part.answer_text == f"{by_slot.variant(seed).params['m']}*x"
        assert named_part.answer == slot_part.answer


def test_a_derivation_may_name_a_parameter(tmp_path):
    """The printed start and model steps of a derivation name `m` too: each is written with its value."""
    derivation = textwrap.indent(
        textwrap.dedent("""\
            - id: d
              type: derivation
              points: 2
              prompt: Simplify.
              start: log(x^m)
              steps: ["m*log(x)"]
              answer: m*log(x)
              variables: [x]
              assume: ["x>0"]
        """),
        "      ",
    )
    hint = "    hints:\n      - A line through the origin is y = m x.\n"
    path, _ = _planted(tmp_path, hint, derivation + hint)
    report = validate([path], seeds=20)
    assert report.ok, [str(p) for p in report.problems]
    template = {t.id: t for t in load_file(path)[0]}["demo-slope"]
    variant = template.variant(4)
    m = variant.params["m"]
    part = variant.parts[1]
    written = (f"log(x^{m})", [f"{m}*log(x)"], f"{m}*log(x)")
    assert (part.start, part.steps, part.answer_text) == written


def test_an_underscored_variable_reads_as_one_name(tmp_path):
    """`log_var` declared as a variable is that variable, not log to the base `var` (issue 16)."""
    (template,) = [t for t in load_file(_planted(tmp_path)[0])[0] if t.id == "demo-std"]
    part = template.variant(0).parts[0]
    assert str(part.answer) == "exp(log_var/2)"


def test_the_cli_prints_the_teaching_message_at_its_line(tmp_path):
    path, text = _planted(tmp_path, "tolerance: {abs: 0.01}", "tolerence: {abs: 0.01}")
    result = run_cli("validate", str(path), "--seeds", "3")
    assert result.returncode == 1
    line = _line(text, "tolerence:")
    assert result.stdout.count("tolerence") == 1
    assert f"{path}:{line}: " in result.stdout and "did you mean 'tolerance'?" in result.stdout
